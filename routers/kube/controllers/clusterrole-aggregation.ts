/**
 * @module routers/kube/controllers/clusterrole-aggregation
 * The clusterrole-aggregation controller of kube-controller-manager (pkg/controller/
 * clusterroleaggregation): a ClusterRole with an aggregationRule gets, as its rules, the union of
 * the rules of every other ClusterRole its selectors match, in name order without duplicates. It
 * follows storage (list, then watch), so roles written by another process sharing it count too.
 */
import type { Logger } from 'pino'
import { isStatusError } from '../../../lib/api/errors.js'
import { labelSelectorFromObject } from '../../../lib/api/labels.js'
import type { LabelSelectorObject } from '../../../lib/api/labels.js'
import type { KubeObject } from '../../../lib/api/types.js'
import { jsonEqual } from '../../../lib/api/validation.js'
import type { Store } from '../../../lib/registry/store.js'
import { isObj } from '../json.js'

/** The rules `role` should have, or undefined when it aggregates nothing. */
export function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): unknown[] | undefined {
  const rule = role['aggregationRule']
  if (!isObj(rule) || !Array.isArray(rule['clusterRoleSelectors'])) return undefined
  const selectors = rule['clusterRoleSelectors'].filter(isObj).map((s) => labelSelectorFromObject(s as LabelSelectorObject))
  const rules: unknown[] = []
  const sorted = [...all].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))
  for (const other of sorted) {
    if (other.metadata.name === role.metadata.name) continue
    if (!selectors.some((s) => s.matches(other.metadata.labels ?? {}))) continue
    for (const r of Array.isArray(other['rules']) ? other['rules'] : []) if (!rules.some((have) => jsonEqual(have, r))) rules.push(r)
  }
  return rules
}

/**
 * Updates every aggregating role whose rules differ, passing again over the listed roles until
 * nothing changes, so chains (view into edit into admin) settle in one call.
 */
async function syncAll(clusterroles: Store): Promise<string> {
  const list = await clusterroles.list({ namespace: '' })
  const items = [...list.items]
  for (let pass = 0, changed = true; changed && pass < 10; pass++) {
    changed = false
    for (const [i, role] of items.entries()) {
      const want = aggregatedRules(role, items)
      if (!want || jsonEqual(role['rules'] ?? [], want)) continue
      try {
        const written = await clusterroles.update({ namespace: '' }, role.metadata.name ?? '', (current) => ({ ...(current ?? role), rules: want }))
        items[i] = written.object
        changed = true
      } catch (err) {
        // Gone or changed meanwhile: the watch brings it round again.
        if (!(isStatusError(err) && (err.code === 404 || err.code === 409))) throw err
      }
    }
  }
  return list.metadata.resourceVersion ?? ''
}

/** Resolves after the first pass; keeps watching until the signal aborts. */
export async function runClusterRoleAggregation(deps: { clusterroles: Store; logger: Logger }, signal: AbortSignal): Promise<void> {
  let rv = await syncAll(deps.clusterroles)
  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        const watcher = await deps.clusterroles.watch({ namespace: '' }, { resourceVersion: rv })
        const stop = (): void => watcher.stop()
        signal.addEventListener('abort', stop, { once: true })
        try {
          for await (const event of watcher) {
            if (signal.aborted) break
            if (event.object.metadata.resourceVersion) rv = event.object.metadata.resourceVersion
            rv = await syncAll(deps.clusterroles)
            // Our own updates come back as events; the next sync finds nothing to change.
          }
        } finally {
          signal.removeEventListener('abort', stop)
          watcher.stop()
        }
      } catch (err) {
        if (signal.aborted) return
        deps.logger.warn({ err, controller: 'clusterrole-aggregation' }, 'watch failed; listing again')
      }
      if (signal.aborted) return
      await new Promise((resolve) => setTimeout(resolve, 1000).unref())
      try {
        rv = await syncAll(deps.clusterroles)
      } catch (err) {
        deps.logger.warn({ err, controller: 'clusterrole-aggregation' }, 'list failed')
      }
    }
  }
  void loop()
}

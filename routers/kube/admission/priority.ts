/**
 * @module routers/kube/admission/priority
 * The Priority admission plugin (plugin/pkg/admission/priority), on pod create: the priority and
 * preemption policy come from the named PriorityClass, else from the global default class, else
 * 0 and PreemptLowerPriority; an unknown class or a conflicting priority is refused (403).
 */
import { isStatusError } from '../../../lib/api/errors.js'
import * as errors from '../../../lib/api/errors.js'
import type { KubeObject } from '../../../lib/api/types.js'
import type { AdmissionPlugin } from '../../../lib/registry/admission.js'
import type { Store } from '../../../lib/registry/store.js'
import { isObj } from '../json.js'

const podsResource = { group: '', resource: 'pods' }

/** getDefaultPriority: the globalDefault class with the lowest value, else 0. */
async function defaultPriority(classes: Store): Promise<{ name: string; value: number; preemptionPolicy: string }> {
  const list = await classes.list({ namespace: '' })
  let chosen: KubeObject | undefined
  for (const pc of list.items) {
    if (pc['globalDefault'] !== true) continue
    if (!chosen || Number(pc['value']) < Number(chosen['value'])) chosen = pc
  }
  if (!chosen) return { name: '', value: 0, preemptionPolicy: 'PreemptLowerPriority' }
  return { name: chosen.metadata.name ?? '', value: Number(chosen['value']), preemptionPolicy: typeof chosen['preemptionPolicy'] === 'string' ? chosen['preemptionPolicy'] : 'PreemptLowerPriority' }
}

export function priorityAdmission(priorityClasses: () => Store): AdmissionPlugin {
  return {
    name: 'Priority',
    async admit(attrs) {
      if (attrs.operation !== 'CREATE' || attrs.resource.group !== '' || attrs.resource.resource !== 'pods' || !attrs.object) return
      const spec = attrs.object['spec']
      if (!isObj(spec)) return
      const className = typeof spec['priorityClassName'] === 'string' ? spec['priorityClassName'] : ''
      let value: number
      let preemptionPolicy: string
      if (!className) {
        const d = await defaultPriority(priorityClasses())
        if (d.name) spec['priorityClassName'] = d.name
        value = d.value
        preemptionPolicy = d.preemptionPolicy
      } else {
        let pc: KubeObject
        try {
          pc = await priorityClasses().get({ namespace: '' }, className)
        } catch (err) {
          if (!(isStatusError(err) && err.code === 404)) throw err
          throw errors.forbidden(podsResource, attrs.name, `no PriorityClass with name ${className} was found`)
        }
        value = Number(pc['value'])
        preemptionPolicy = typeof pc['preemptionPolicy'] === 'string' ? pc['preemptionPolicy'] : 'PreemptLowerPriority'
      }
      if (typeof spec['priority'] === 'number' && spec['priority'] !== value) {
        throw errors.forbidden(
          podsResource,
          attrs.name,
          `the integer value of priority (${spec['priority']}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
        )
      }
      spec['priority'] = value
      if (typeof spec['preemptionPolicy'] === 'string' && spec['preemptionPolicy'] !== preemptionPolicy) {
        throw errors.forbidden(
          podsResource,
          attrs.name,
          `the string value of PreemptionPolicy (${spec['preemptionPolicy']}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`,
        )
      }
      spec['preemptionPolicy'] = preemptionPolicy
    },
  }
}

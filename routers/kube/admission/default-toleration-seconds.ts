/**
 * @module routers/kube/admission/default-toleration-seconds
 * The DefaultTolerationSeconds admission plugin (plugin/pkg/admission/defaulttolerationseconds):
 * a created pod that does not already tolerate the not-ready and unreachable NoExecute taints
 * gets tolerations for them with tolerationSeconds 300 (--default-not-ready-toleration-seconds).
 */
import type { AdmissionPlugin } from '../../../lib/registry/admission.js'
import { isObj } from '../json.js'

const defaultTolerationSeconds = 300
const notReady = 'node.kubernetes.io/not-ready'
const unreachable = 'node.kubernetes.io/unreachable'

export function defaultTolerationSecondsAdmission(): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    admit(attrs) {
      if (attrs.operation !== 'CREATE' || attrs.resource.group !== '' || attrs.resource.resource !== 'pods' || !attrs.object) return
      const spec = attrs.object['spec']
      if (!isObj(spec)) return
      const tolerations = Array.isArray(spec['tolerations']) ? (spec['tolerations'] as unknown[]) : []
      let toleratesNotReady = false
      let toleratesUnreachable = false
      for (const t of tolerations.filter(isObj)) {
        const key = typeof t['key'] === 'string' ? t['key'] : ''
        const effect = typeof t['effect'] === 'string' ? t['effect'] : ''
        if (effect !== 'NoExecute' && effect !== '') continue
        if (key === notReady || key === '') toleratesNotReady = true
        if (key === unreachable || key === '') toleratesUnreachable = true
      }
      const added = [
        ...(toleratesNotReady ? [] : [{ key: notReady, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultTolerationSeconds }]),
        ...(toleratesUnreachable ? [] : [{ key: unreachable, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultTolerationSeconds }]),
      ]
      if (added.length > 0) spec['tolerations'] = [...tolerations, ...added]
    },
  }
}

/**
 * @module routers/kube/autoscaling
 * The autoscaling group: HorizontalPodAutoscalers in v2 (preferred, the storage version) and v1,
 * served from the same objects through conversion (see hpa-conversion.ts).
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { horizontalpodautoscalersV1, horizontalpodautoscalersV2 } from './horizontalpodautoscalers.js'

export { horizontalpodautoscalersV1, horizontalpodautoscalersV2 }

/** The autoscaling resources, v2 first (the preferred version). */
export const autoscalingResources: readonly ResourceDefinition[] = [horizontalpodautoscalersV2, horizontalpodautoscalersV1]

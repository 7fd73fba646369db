/**
 * @module routers/kube/autoscaling
 * The autoscaling group: HorizontalPodAutoscalers in v2 (preferred) and v1. Each version has its
 * own storage until v1<->v2 conversion exists (see horizontalpodautoscalers.ts).
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { horizontalpodautoscalersV1, horizontalpodautoscalersV2 } from './horizontalpodautoscalers.js'

export { horizontalpodautoscalersV1, horizontalpodautoscalersV2 }

/** The autoscaling resources, v2 first (the preferred version). */
export const autoscalingResources: readonly ResourceDefinition[] = [horizontalpodautoscalersV2, horizontalpodautoscalersV1]

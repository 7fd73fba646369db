/**
 * @module routers/kube/batch
 * The batch/v1 group: Jobs and CronJobs, as plain declarations installed through typedResource.
 */
import type { ResourceDefinition } from '../../../lib/registry/resource.js'
import { cronjobs } from './cronjobs.js'
import { jobs } from './jobs.js'

export { cronjobs, jobs }

/** The batch/v1 resources. */
export const batchResources: readonly ResourceDefinition[] = [cronjobs, jobs]

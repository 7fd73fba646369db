/**
 * @module kube-express
 * The package's public surface: the chain builder, its servers, and the generic machinery a user
 * needs to declare resources of their own.
 */
export { createServerChain } from './chain.js'
export type { PreparedServer, ServerChain, ServerChainConfig } from './chain.js'
export { AggregatorServer } from './aggregator/index.js'
export { ExtensionsServer } from './extensions/index.js'
export { KubeServer, builtinResources, systemNamespaces } from './kube/index.js'
export { notFoundHandler } from './not-found.js'
export { GenericServer, emptyDelegate } from '../lib/server/generic-server.js'
export type { DelegationTarget } from '../lib/server/generic-server.js'
export type { Config, CompletedConfig } from '../lib/server/config.js'
export type { RunOptions, RunningServer } from '../lib/server/run.js'
export { kubeconfigYAML, kubeconfigObject } from '../lib/server/kubeconfig.js'
export { Store } from '../lib/registry/store.js'
export type { ResourceDefinition, TableColumn, Verb } from '../lib/registry/resource.js'
export type { Strategy, RequestContext } from '../lib/registry/strategy.js'
export type { Storage, StorageFactory } from '../lib/storage/interface.js'
export { MemoryStorage, memoryStorageFactory } from '../lib/storage/memory/memory-storage.js'
export { StatusError } from '../lib/api/errors.js'
export * as apiErrors from '../lib/api/errors.js'
export type { KubeObject, KubeList, ObjectMeta, Status } from '../lib/api/types.js'

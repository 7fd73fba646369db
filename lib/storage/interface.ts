/**
 * @module lib/storage/interface
 * storage.Interface (k8s.io/apiserver pkg/storage/interfaces.go) for JSON objects: every backend
 * (memory, SQLite, etcd) implements it and passes the one conformance suite in ./testing.
 *
 * Contract that all backends keep:
 * - Keys are strings like "/registry/configmaps/<namespace>/<name>"; a list or watch takes a
 *   prefix ending in "/" and covers every key below it.
 * - The resourceVersion is the backend's global revision (a positive integer as a string). The
 *   backend sets metadata.resourceVersion on what it stores and returns; whatever the caller put
 *   there is ignored.
 * - Returned objects are owned by the backend and may be frozen: callers clone before mutating.
 * - Failures throw StorageError with a code; the registry maps codes to API errors in one place.
 */
import type { KubeObject } from '../api/types.js'

export interface Preconditions {
  uid?: string
  resourceVersion?: string
}

/** Decides which objects a list or watch returns; filtering happens below paging, like SelectionPredicate. */
export type Predicate = (obj: KubeObject) => boolean

export type ResourceVersionMatch = 'NotOlderThan' | 'Exact'

export interface ListOptions {
  /** "" or undefined: most recent; "0": any; "N": per resourceVersionMatch (default NotOlderThan). */
  resourceVersion?: string
  resourceVersionMatch?: ResourceVersionMatch
  /** 0 or undefined: no limit. */
  limit?: number
  /** An opaque token from a previous page's ListResult.continue. */
  continue?: string
  predicate?: Predicate
}

export interface ListResult {
  items: KubeObject[]
  /** The revision the list reflects, as a string. */
  resourceVersion: string
  continue?: string
  remainingItemCount?: number
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'

export interface WatchEvent {
  type: WatchEventType
  object: KubeObject
}

export interface WatchOptions {
  /** "" or undefined or "0": synthetic ADDED for every current object, then changes; "N": changes after N. */
  resourceVersion?: string
  predicate?: Predicate
  /**
   * Emit BOOKMARK events (object = { metadata: { resourceVersion } }) at least this often while idle;
   * 0 or undefined = never.
   */
  bookmarkIntervalMs?: number
}

/**
 * A running watch: iterate it for events; stop() ends it (the iterator then finishes). The
 * backend also ends it when the backend is closed.
 */
export interface Watcher extends AsyncIterable<WatchEvent> {
  stop(): void
}

/**
 * Called with the current object; returns the object to store, or throws to abort the update.
 * With GuaranteedUpdateOptions.ignoreNotFound and a missing key, `current` is undefined at run time
 * although typed KubeObject (so the common case needs no checks): such callbacks test it first.
 */
export type UpdateFunc = (current: KubeObject) => KubeObject | Promise<KubeObject>

export interface GuaranteedUpdateOptions {
  preconditions?: Preconditions
  /**
   * When the key is missing, call tryUpdate with undefined as current instead of failing KeyNotFound
   * (create on update); preconditions are then checked against an empty object.
   */
  ignoreNotFound?: boolean
}

/** Called with the current object before it is deleted; throw to refuse the deletion. */
export type ValidateDeletion = (current: KubeObject) => void | Promise<void>

export interface DeleteOptions {
  preconditions?: Preconditions
  validateDeletion?: ValidateDeletion
}

export interface Storage {
  /** Stores obj under key; KeyExists when the key is taken. Returns the stored object. */
  create(key: string, obj: KubeObject): Promise<KubeObject>
  /** KeyNotFound when absent. */
  get(key: string): Promise<KubeObject>
  list(prefix: string, opts?: ListOptions): Promise<ListResult>
  /**
   * Read-modify-write: reads the key, checks preconditions (Conflict error on mismatch), calls
   * tryUpdate and writes the result only if the key did not change meanwhile, retrying otherwise.
   * When tryUpdate returns an object equal to the current one, nothing is written and the current
   * object (with its old resourceVersion) is returned.
   */
  guaranteedUpdate(key: string, tryUpdate: UpdateFunc, opts?: GuaranteedUpdateOptions): Promise<KubeObject>
  /** Deletes the key and returns the last state (resourceVersion = deletion revision). */
  delete(key: string, opts?: DeleteOptions): Promise<KubeObject>
  watch(prefix: string, opts?: WatchOptions): Promise<Watcher>
  /** The newest revision the backend has committed. */
  currentRevision(): Promise<number>
  /** Health for /readyz; throws when the backend cannot serve. */
  readinessCheck(): Promise<void>
  /** Ends all watches and releases resources. */
  close(): Promise<void>
}

/** Builds a Storage per resource prefix; the config carries one of these, so backends are swappable. */
export type StorageFactory = () => Storage

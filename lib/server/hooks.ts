/**
 * @module lib/server/hooks
 * Post-start hooks (server/hooks.go): named functions run once the server listens, each with a
 * `poststarthook/<name>` health check that stays red until it returns. A hook that throws is
 * logged and keeps its check red; it does not kill the process.
 */
import type { HealthChecker } from './healthz.js'
import { postStartHookCheck } from './healthz.js'

export interface PostStartHookContext {
  /** Aborted when the server shuts down: long-running hooks (controllers) stop then. */
  signal: AbortSignal
}

export type PostStartHookFunc = (ctx: PostStartHookContext) => void | Promise<void>

export class PostStartHook {
  readonly name: string
  private readonly fn: PostStartHookFunc
  private finished = false
  private started: Promise<void> | undefined

  constructor(name: string, fn: PostStartHookFunc) {
    this.name = name
    this.fn = fn
  }

  get done(): boolean {
    return this.finished
  }

  /** Runs the hook once; later calls return the same promise. */
  run(ctx: PostStartHookContext): Promise<void> {
    this.started ??= (async () => {
      await this.fn(ctx)
      this.finished = true
    })()
    return this.started
  }

  healthCheck(): HealthChecker {
    return postStartHookCheck(this.name, () => this.finished)
  }
}

/**
 * @module spec/support/client-node
 * Helpers for the @kubernetes/client-node specs: an event log with bounded waits, a bound for any
 * promise, and the assertion that a call failed with a given API status code.
 */
import { expect } from 'chai'
import * as k8s from '@kubernetes/client-node'

export interface Seen<T> {
  type: string
  obj: T
}

/** Collects events and lets a test wait (bounded) for the first one matching a predicate. */
export class EventLog<T> {
  readonly events: Seen<T>[] = []
  private waiters = new Set<() => void>()

  push(type: string, obj: T): void {
    this.events.push({ type, obj })
    this.waiters.forEach((w) => w())
  }

  waitFor(what: string, pred: (e: Seen<T>) => boolean, timeoutMs = 5_000): Promise<Seen<T>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(pred)
        if (found) {
          done()
          resolve(found)
        }
      }
      const timer = setTimeout(() => {
        done()
        const seen = this.events.map((e) => `${e.type} ${JSON.stringify(e.obj)}`).join('\n  ')
        reject(new Error(`no ${what} within ${timeoutMs} ms; seen:\n  ${seen || '(nothing)'}`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
      check()
    })
  }
}

/** Bounds a promise so a server that never answers fails with a message instead of mocha's timeout. */
export async function within<T>(p: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export async function expectApiError(p: Promise<unknown>, code: number): Promise<k8s.ApiException<unknown>> {
  try {
    await p
  } catch (err) {
    expect(err).to.be.instanceOf(k8s.ApiException)
    const apiErr = err as k8s.ApiException<unknown>
    expect(apiErr.code, String(apiErr.body)).to.equal(code)
    return apiErr
  }
  throw new Error(`expected an ApiException ${code}, the call succeeded`)
}

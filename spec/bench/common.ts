/**
 * @module spec/bench/common
 * What every benchmark part needs: numeric knobs from the environment and waiting for /readyz.
 */

/** A positive number from the environment, or the fallback; anything else fails the run. */
export function positive(env: string, fallback: number): number {
  const raw = process.env[env]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${env} must be a positive number, got ${raw}`)
  return n
}

/** Polls /readyz every millisecond until it answers 200 "ok"; bounded so a server that never gets ready fails the run. */
export async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`)
      const body = await res.text()
      if (res.status === 200 && body.trim() === 'ok') return
    } catch {
      // not accepting connections yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/readyz did not answer ok within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 1))
  }
}

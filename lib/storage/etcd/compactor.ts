/**
 * @module lib/storage/etcd/compactor
 * kube-apiserver's etcd compactor (k8s.io/apiserver storage/etcd3/compact.go): etcd keeps every
 * revision of every key until someone compacts it, and an API server is that someone. Every
 * interval (--etcd-compaction-interval, 5 minutes) it compacts up to the revision it saw one
 * interval earlier, so watchers and exact lists keep about one interval of history.
 *
 * Several servers on one etcd take turns through "compact_rev_key": its version is the logical
 * compaction time. A server whose compare-and-swap on that version succeeds bumps it (writing
 * the revision it saw) and compacts; the others learn the new time from the failed swap and try
 * again an interval later, so one of them compacts per interval and a crashed one is taken over.
 */
import type { Etcd3 } from 'etcd3'

/** The key kube-apiserver coordinates compactions with (outside /registry, no prefix). */
export const compactRevKey = 'compact_rev_key'
const compactRevKeyBytes = Buffer.from(compactRevKey)

export interface CompactionRound {
  /** The compaction time (compact_rev_key's version) this server knows after the round. */
  time: number
  /** etcd's revision when the round ran: what the next successful round compacts to. */
  revision: number
  /** The revision compacted (by this server or, learnt from the key, another), 0 when none. */
  compacted: number
}

/**
 * One round of kube's compact(): swap compact_rev_key if its version is still `time`, and if so
 * compact to `revision` (the one seen a round earlier; nothing on the first round).
 */
export async function compactRound(client: Etcd3, time: number, revision: number): Promise<CompactionRound> {
  const res = await client.kv.txn({
    compare: [{ key: compactRevKeyBytes, target: 'Version', result: 'Equal', version: time }],
    success: [{ request_put: { key: compactRevKeyBytes, value: Buffer.from(String(revision)) } }],
    failure: [{ request_range: { key: compactRevKeyBytes } }],
  })
  const current = Number(res.header.revision)
  if (!res.succeeded) {
    const kv = res.responses[0]?.response_range?.kvs[0]
    const known = kv === undefined ? 0 : Number(kv.version)
    const compacted = kv === undefined ? 0 : Number(kv.value.toString())
    return { time: known, revision: current, compacted: Number.isFinite(compacted) ? compacted : 0 }
  }
  // The first round only records the revision: kube never compacts at start-up.
  if (revision === 0) return { time: time + 1, revision: current, compacted: 0 }
  await client.kv.compact({ revision: String(revision) })
  return { time: time + 1, revision: current, compacted: revision }
}

export interface CompactorOptions {
  intervalMs: number
  /** Told about each failed round (etcd unreachable, ...); the next round tries again. */
  onError?: (err: unknown) => void
}

/**
 * Runs compaction rounds every intervalMs until stopped (the first after one interval, as kube).
 * Returns stop(). An interval of 0 runs nothing.
 */
export function startCompactor(client: Etcd3, opts: CompactorOptions): () => void {
  if (opts.intervalMs <= 0) return () => {}
  let state: CompactionRound = { time: 0, revision: 0, compacted: 0 }
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const schedule = (): void => {
    timer = setTimeout(() => {
      compactRound(client, state.time, state.revision).then(
        (next) => {
          state = next
        },
        // A round cut short by stop() (the client closing) is not a failure worth reporting.
        (err: unknown) => {
          if (!stopped) opts.onError?.(err)
        },
      ).finally(() => {
        if (!stopped) schedule()
      })
    }, opts.intervalMs)
    // A compactor must not keep a process alive that is otherwise done.
    timer.unref()
  }
  schedule()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}

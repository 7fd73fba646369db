/**
 * @module routers/kube/core/range-allocation
 * The storage-backed bitmap allocator of kube-apiserver (pkg/registry/core/service/allocator:
 * AllocationBitmap, and storage/storage.go's Etcd allocator): a range of offsets whose taken
 * bits live in a RangeAllocation object ({range, data}) under one storage key, such as
 * /registry/ranges/serviceips or /registry/ranges/servicenodeports. Every change is a
 * read-modify-write of that object through Storage.guaranteedUpdate, so several servers on one
 * storage never hand out the same offset: the compare-and-swap makes the later writer retry on
 * the bitmap the earlier one stored.
 *
 * The data field is kube's encoding: the bytes of a big integer whose bit i is offset i, big-endian
 * and without leading zero bytes (big.Int.Bytes()), in base64 as JSON carries a []byte.
 */
import type { KubeObject } from '../../../lib/api/types.js'
import { isStorageError } from '../../../lib/storage/errors.js'
import type { Storage } from '../../../lib/storage/interface.js'

/** A fixed-size set of offsets 0..max-1, one bit each (little-endian bytes internally). */
export class Bitmap {
  readonly max: number
  private readonly bytes: Uint8Array

  constructor(max: number, bytes?: Uint8Array) {
    this.max = max
    this.bytes = new Uint8Array(Math.ceil(max / 8))
    if (bytes) this.bytes.set(bytes.subarray(0, this.bytes.length))
  }

  has(i: number): boolean {
    return i >= 0 && i < this.max && (this.bytes[i >> 3]! & (1 << (i & 7))) !== 0
  }

  set(i: number): void {
    if (i >= 0 && i < this.max) this.bytes[i >> 3]! |= 1 << (i & 7)
  }

  clear(i: number): void {
    if (i >= 0 && i < this.max) this.bytes[i >> 3]! &= ~(1 << (i & 7))
  }

  /** The lowest free offset, or -1 when the range is full. */
  firstFree(): number {
    for (let b = 0; b < this.bytes.length; b++) {
      const byte = this.bytes[b]!
      if (byte === 0xff) continue
      for (let bit = 0; bit < 8; bit++) {
        const i = b * 8 + bit
        if (i >= this.max) return -1
        if ((byte & (1 << bit)) === 0) return i
      }
    }
    return -1
  }

  clone(): Bitmap {
    return new Bitmap(this.max, this.bytes)
  }

  /** big.Int.Bytes() of the bitmap, base64. */
  encode(): string {
    let end = this.bytes.length
    while (end > 0 && this.bytes[end - 1] === 0) end--
    return Buffer.from(this.bytes.subarray(0, end)).reverse().toString('base64')
  }

  static decode(data: unknown, max: number): Bitmap {
    if (typeof data !== 'string' || data === '') return new Bitmap(max)
    return new Bitmap(max, Buffer.from(data, 'base64').reverse())
  }
}

/** Thrown by StoredRange.update when the object is not at the version the caller read. */
export class RangeChangedError extends Error {
  constructor(key: string) {
    super(`${key} changed since it was read`)
  }
}

/** One RangeAllocation object in storage: its key, the range it describes and its size. */
export class StoredRange {
  readonly storage: Storage
  readonly key: string
  readonly range: string
  readonly max: number

  constructor(storage: Storage, key: string, range: string, max: number) {
    this.storage = storage
    this.key = key
    this.range = range
    this.max = max
  }

  private bitmapOf(obj: KubeObject | undefined): Bitmap {
    // A range stored for another configuration (the flag changed) starts over; the start-up
    // repair marks what existing Services hold again.
    if (obj === undefined || obj['range'] !== this.range) return new Bitmap(this.max)
    return Bitmap.decode(obj['data'], this.max)
  }

  /** The stored bitmap now (empty when nothing was ever allocated). */
  async snapshot(): Promise<Bitmap> {
    return (await this.read()).bitmap
  }

  /** The stored bitmap and the object's resourceVersion ("" when there is no object yet). */
  async read(): Promise<{ bitmap: Bitmap; version: string }> {
    try {
      const obj = await this.storage.get(this.key)
      return { bitmap: this.bitmapOf(obj), version: obj.metadata.resourceVersion ?? '' }
    } catch (err) {
      if (isStorageError(err, 'KeyNotFound')) return { bitmap: new Bitmap(this.max), version: '' }
      throw err
    }
  }

  /**
   * Read-modify-write of the bitmap: change may run several times (once per conflicting
   * writer) and must derive everything from the bitmap it is given; throwing aborts the update.
   * With expectedVersion, the update fails with RangeChangedError unless the object is still at
   * that version (the repair's check that nothing was allocated or released since it looked).
   */
  async update(change: (bitmap: Bitmap) => void, expectedVersion?: string): Promise<void> {
    await this.storage.guaranteedUpdate(
      this.key,
      (current: KubeObject | undefined) => {
        if (expectedVersion !== undefined && (current?.metadata.resourceVersion ?? '') !== expectedVersion) throw new RangeChangedError(this.key)
        const bitmap = this.bitmapOf(current)
        change(bitmap)
        const data = bitmap.encode()
        if (current !== undefined && current['range'] === this.range && current['data'] === data) return current
        return {
          apiVersion: 'v1',
          kind: 'RangeAllocation',
          metadata: { creationTimestamp: current?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
          range: this.range,
          data,
        }
      },
      { ignoreNotFound: true },
    )
  }
}

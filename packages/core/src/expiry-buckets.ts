/**
 * Keys grouped by the tenth of a second they expire in, drained in time order: the replay store's
 * purge costs amortised O(1) per key instead of a scan of every entry on each insert.
 *
 * @module
 */

// A full store frees an expired key at most this late; short enough that a store at capacity
// with keys expiring all the time refuses almost nothing it could have held.
const BUCKET_MS = 100

/**
 * 100 ms expiry buckets behind a min-heap of bucket numbers. Adding to an existing bucket is O(1);
 * a new bucket costs O(log b) for b distinct live buckets (bounded by the longest token lifetime,
 * not by the number of keys).
 *
 * @example
 * ```ts
 * const buckets = new ExpiryBuckets()
 * buckets.add('iss\njti', Date.now() + 60_000)
 * buckets.drain(Date.now(), (key, expiresAt) => entries.delete(key))
 * ```
 */
export class ExpiryBuckets {
  readonly #buckets = new Map<number, { keys: string[]; expiries: number[] }>()
  readonly #heap: number[] = []

  /** Files `key` under the bucket that ends at or after `expiresAt`. */
  add(key: string, expiresAt: number): void {
    const id = Math.ceil(expiresAt / BUCKET_MS)
    let bucket = this.#buckets.get(id)
    if (bucket === undefined) {
      bucket = { keys: [], expiries: [] }
      this.#buckets.set(id, bucket)
      this.#push(id)
    }
    bucket.keys.push(key)
    bucket.expiries.push(expiresAt)
  }

  /** Calls `expired(key, expiresAt)` for every key of every bucket that ended at or before `at`. */
  drain(at: number, expired: (key: string, expiresAt: number) => void): void {
    for (;;) {
      const id = this.#heap[0]
      if (id === undefined || id * BUCKET_MS > at) return
      this.#pop()
      const bucket = this.#buckets.get(id)
      this.#buckets.delete(id)
      if (bucket === undefined) continue
      for (let i = 0; i < bucket.keys.length; i++) expired(bucket.keys[i]!, bucket.expiries[i]!)
    }
  }

  /** When the earliest bucket ends (`Infinity` when empty): when room opens up next. */
  nextExpiry(): number {
    const id = this.#heap[0]
    return id === undefined ? Number.POSITIVE_INFINITY : id * BUCKET_MS
  }

  #push(id: number): void {
    const heap = this.#heap
    let i = heap.push(id) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]! <= id) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = id
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && heap[right]! < heap[left]! ? right : left
      if (heap[child]! >= last) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
  }
}

/**
 * The fleet protocol over a {@link SharedKeySetCache}: read the shared entry first; only the
 * holder of the lock fetches from GitLab and writes; the others wait briefly and read again.
 *
 * @module
 */

import type { AlgorithmSpec } from './algorithms.js'
import { GitlabIdTokenError } from './errors.js'
import { MAX_RESPONSE_BYTES } from './fetch-json.js'
import { importKeyDocument, type KeySet } from './key-set.js'
import type { SharedKeySetCache, SharedKeySetEntry } from './types.js'

/** What the protocol needs from the provider that runs it. */
export interface SharedContext {
  readonly cache: SharedKeySetCache
  readonly issuer: string
  readonly algorithms: ReadonlyMap<string, AlgorithmSpec>
  /** Deadline for each shared-cache call, and the bound of the whole wait for another fetcher. */
  readonly timeoutMs: number
  readonly now: () => number
  /** Told about every shared-cache failure and every refused entry; the protocol goes on. */
  readonly report: (error: Error) => void
}

/** An imported key set and when (epoch ms) it was fetched from the issuer. */
export interface LoadedKeySet {
  readonly keys: KeySet
  readonly fetchedAt: number
  /** The `kid`s the document publishes only unusable keys for. */
  readonly skipped: ReadonlySet<string>
  readonly jwksUri?: string | undefined
  /** Whether it came from the shared cache (another instance fetched it). */
  readonly shared: boolean
}

// Another instance's clock may run a little ahead; an entry from further in the future is refused.
const MAX_SKEW_MS = 60_000
const FIRST_POLL_MS = 25

/**
 * Reads the shared entry and imports it exactly like a fetched document (size cap, key
 * filtering). `undefined` when there is none, when `accept(fetchedAt)` declines it, when it is
 * invalid or imports no usable key, or when the cache fails — never a throw.
 *
 * @example
 * ```ts
 * const shared = await readShared(context, (fetchedAt) => fetchedAt > ownFetchedAt)
 * ```
 */
export async function readShared(
  context: SharedContext,
  accept: (fetchedAt: number) => boolean,
): Promise<LoadedKeySet | undefined> {
  let entry: unknown
  try {
    entry = await withDeadline(() => context.cache.get(context.issuer), context.timeoutMs)
  } catch (error) {
    context.report(failure('get', error))
    return undefined
  }
  if (entry === undefined || entry === null) return undefined
  const now = context.now()
  const problem = entryProblem(entry, now)
  if (problem !== undefined) {
    context.report(new Error(`shared key-set entry refused: ${problem}`))
    return undefined
  }
  const valid = entry as SharedKeySetEntry
  const fetchedAt = Math.min(valid.fetchedAt, now)
  if (!accept(fetchedAt)) return undefined
  try {
    const { keys, skipped } = await importKeyDocument(valid.jwks, context.algorithms)
    if (keys.size === 0) throw new Error('no usable key')
    return { keys, skipped, fetchedAt, jwksUri: valid.jwksUri, shared: true }
  } catch (error) {
    context.report(new Error(`shared key-set entry refused: ${String(error)}`, { cause: error }))
    return undefined
  }
}

/**
 * Loads through the shared cache: an acceptable shared entry; else, holding the lock, a fresh
 * fetch (`fetchOwn`) that is written back once it imported; else, while another instance holds
 * the lock, its entry once written (polled within `timeoutMs`); else `fetchOwn` without writing.
 * Shared-cache failures only ever lead to our own fetch.
 *
 * @example
 * ```ts
 * const loaded = await loadThroughShared(context, accept, async () => importFetched(await source.fetch()))
 * ```
 */
export async function loadThroughShared(
  context: SharedContext,
  accept: (fetchedAt: number) => boolean,
  fetchOwn: () => Promise<LoadedKeySet & { readonly document: unknown }>,
): Promise<LoadedKeySet> {
  const first = await readShared(context, accept)
  if (first !== undefined) return first
  const { cache, issuer, timeoutMs } = context
  let locked: boolean
  try {
    // Discovery and the key set each have their own timeout: the lock covers both.
    locked =
      (await withDeadline(() => cache.lock(issuer, 2 * timeoutMs + 1000), timeoutMs)) === true
  } catch (error) {
    context.report(failure('lock', error))
    return fetchOwn()
  }
  if (locked) {
    try {
      // Another instance may have written and unlocked between our read and our lock.
      const written = await readShared(context, accept)
      if (written !== undefined) return written
      const own = await fetchOwn()
      const entry: SharedKeySetEntry = {
        jwks: own.document as SharedKeySetEntry['jwks'],
        fetchedAt: own.fetchedAt,
        ...(own.jwksUri === undefined ? {} : { jwksUri: own.jwksUri }),
      }
      await withDeadline(() => cache.set(issuer, entry), timeoutMs).catch((error: unknown) => {
        context.report(failure('set', error))
      })
      return own
    } finally {
      await withDeadline(() => cache.unlock(issuer), timeoutMs).catch((error: unknown) => {
        context.report(failure('unlock', error))
      })
    }
  }
  let waited = 0
  for (let delay = FIRST_POLL_MS; waited + delay <= timeoutMs; delay *= 2) {
    await sleep(delay)
    waited += delay
    const written = await readShared(context, accept)
    if (written !== undefined) return written
  }
  return fetchOwn()
}

/**
 * Validates `jwks.shared`: an object with `get`, `set`, `lock` and `unlock` functions.
 *
 * @example
 * ```ts
 * const shared = resolveSharedCache(options.jwks?.shared) // SharedKeySetCache | undefined
 * ```
 */
export function resolveSharedCache(value: unknown): SharedKeySetCache | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) throw invalidShared()
  const cache = value as Record<string, unknown>
  for (const name of ['get', 'set', 'lock', 'unlock']) {
    if (typeof cache[name] !== 'function') throw invalidShared()
  }
  return value as SharedKeySetCache
}

function invalidShared(): GitlabIdTokenError {
  return new GitlabIdTokenError(
    'ERR_INVALID_CONFIG',
    '"jwks.shared" must have get, set, lock and unlock methods, e.g. createRedisKeySetCache({ client, secret })',
  )
}

function entryProblem(entry: unknown, now: number): string | undefined {
  if (typeof entry !== 'object' || entry === null) return 'not an object'
  const { jwks, fetchedAt, jwksUri } = entry as Record<string, unknown>
  if (typeof fetchedAt !== 'number' || !Number.isFinite(fetchedAt)) return 'no fetchedAt'
  if (fetchedAt > now + MAX_SKEW_MS) return 'fetchedAt in the future'
  if (jwksUri !== undefined && typeof jwksUri !== 'string') return 'jwksUri is not a string'
  let size: number
  try {
    size = Buffer.byteLength(JSON.stringify(jwks) ?? '')
  } catch {
    return 'jwks is not JSON'
  }
  // The same cap as a fetched document: the shared cache is not a way around it.
  if (size > MAX_RESPONSE_BYTES) return `jwks larger than ${MAX_RESPONSE_BYTES} bytes`
  return undefined
}

function failure(operation: string, error: unknown): Error {
  return new Error(`shared key-set cache ${operation} failed: ${String(error)}`, { cause: error })
}

// A hung cache must not hang the fetch it was meant to save: every call gets a deadline, and a
// synchronous throw counts as a failure like a rejection.
function withDeadline<T>(call: () => Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    timer.unref()
  })
  const answer = new Promise<T>((resolve) => resolve(call()))
  return Promise.race([answer, deadline]).finally(() => clearTimeout(timer))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Correctness checks of the in-process cases: the valid token is accepted and both tampered
 * tokens are rejected (after the valid one, so a result cache is primed), with our error code.
 */

import { errorMessage } from '../harness/child-ipc.js'
import type { VerifyInput } from './cases.js'

/**
 * Throws unless `fn` throws (with `code`, when given) or returns `false`.
 *
 * @example
 * ```ts
 * await expectRejected('floor', () => cryptoVerify('sha256', data, key, badSig))
 * ```
 */
export async function expectRejected(
  what: string,
  fn: () => unknown,
  code?: string,
): Promise<void> {
  let accepted = false
  try {
    const r = await fn()
    accepted = r !== false
  } catch (err) {
    const actual = (err as { code?: unknown }).code
    if (code !== undefined && actual !== code) {
      throw new Error(`${what}: rejected with ${String(actual)}, expected ${code}`, { cause: err })
    }
  }
  if (accepted) throw new Error(`${what}: a tampered token was ACCEPTED`)
}

/** Throws unless `fn` returns (or resolves) anything but `false`. */
export async function expectAccepted(what: string, fn: () => unknown): Promise<void> {
  try {
    if ((await fn()) === false) throw new Error('returned false')
  } catch (err) {
    throw new Error(`${what}: the valid token was rejected: ${errorMessage(err)}`, { cause: err })
  }
}

/**
 * Standard check: valid accepted, both tamperings rejected (after the valid one, so a cache is
 * primed), one at a time and then all four at once — the threadpool and `auto` modes must give
 * the same answers when checks overlap.
 *
 * @example
 * ```ts
 * await standardCheck('ours-auto-64', (t) => verifier.verify(t), input, 'ERR_SIGNATURE_INVALID')
 * ```
 */
export async function standardCheck(
  id: string,
  verifyOne: (token: string) => unknown,
  input: VerifyInput,
  code?: string,
) {
  await expectAccepted(id, () => verifyOne(input.single))
  await expectAccepted(id, () => verifyOne(input.pool[0] ?? ''))
  await expectRejected(
    `${id} (signature bit flipped)`,
    () => verifyOne(input.tamperedSignature),
    code,
  )
  await expectRejected(`${id} (payload changed)`, () => verifyOne(input.tamperedPayload), code)
  await Promise.all([
    expectAccepted(`${id} (concurrent)`, () => verifyOne(input.pool[1] ?? '')),
    expectRejected(`${id} (concurrent, signature)`, () => verifyOne(input.tamperedSignature), code),
    expectAccepted(`${id} (concurrent)`, () => verifyOne(input.pool[2] ?? '')),
    expectRejected(`${id} (concurrent, payload)`, () => verifyOne(input.tamperedPayload), code),
  ])
}

/** The `project_id` of a claim set of any library. */
export function projectOf(claims: unknown): unknown {
  return (claims as { project_id?: unknown } | undefined)?.project_id
}

/** The peers' policy: `project_id` must be the benchmarked project's (throws otherwise). */
export function pinned(input: VerifyInput, claims: unknown): true {
  if (projectOf(claims) !== input.projectId) throw new Error('project_id mismatch')
  return true
}

import { createMockGitlab, type MockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSignatureCheck } from '../src/crypto-mode.js'
import { decodeToken } from '../src/decode.js'
import { resolveAlgorithms } from '../src/algorithms.js'
import { importKeySet } from '../src/key-set.js'
import type { KeyEntry } from '../src/key-set.js'

let gitlab: MockGitlab
let keys: readonly KeyEntry[]
const spec = resolveAlgorithms(['RS256']).get('RS256')!

beforeAll(async () => {
  gitlab = await createMockGitlab()
  const set = await importKeySet(gitlab.keySet, resolveAlgorithms(['RS256']))
  keys = [...set.values()].flat()
})
afterAll(() => gitlab.close())

const decoded = () => decodeToken(gitlab.mint({ aud: 'x' }), 32_768)
const forged = () => {
  const token = gitlab.mint({ aud: 'x' })
  return decodeToken(`${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`, 32_768)
}

describe('createSignatureCheck', () => {
  it('sync answers synchronously, threadpool always with a promise', async () => {
    expect(createSignatureCheck('sync')(decoded(), spec, keys)).not.toBeInstanceOf(Promise)
    const pooled = createSignatureCheck('threadpool')(decoded(), spec, keys)
    expect(pooled).toBeInstanceOf(Promise)
    await expect(pooled).resolves.toBeDefined()
  })

  it('auto runs the first check of a turn synchronously and the rest of the burst on the pool', async () => {
    const check = createSignatureCheck('auto')
    const burst = [
      check(decoded(), spec, keys),
      check(decoded(), spec, keys),
      check(decoded(), spec, keys),
    ]
    expect(burst.map((r) => r instanceof Promise)).toEqual([false, true, true])
    await Promise.all(burst.map((result) => Promise.resolve(result)))
    // A new turn with nothing in flight is synchronous again.
    await new Promise((resolve) => setImmediate(resolve))
    expect(check(decoded(), spec, keys)).not.toBeInstanceOf(Promise)
  })

  it.each(['sync', 'threadpool', 'auto'] as const)(
    '%s refuses a bad signature with ERR_SIGNATURE_INVALID',
    async (mode) => {
      const check = createSignatureCheck(mode)
      await expect(Promise.resolve().then(() => check(forged(), spec, keys))).rejects.toMatchObject(
        {
          code: 'ERR_SIGNATURE_INVALID',
          status: 401,
        },
      )
    },
  )
})

import { describe, expect, it } from 'vitest'
import { DEFAULT_PREFIX } from '@gitlab-id-token/redis'
import { resolveClient, resolvePrefix, resolveSeconds } from '../src/settings.js'

const invalid = expect.objectContaining({ code: 'ERR_INVALID_CONFIG' })

describe('settings', () => {
  it('resolves the prefix, refusing spaces, braces (hash tags) and overlong ones', () => {
    expect(resolvePrefix(undefined)).toBe(DEFAULT_PREFIX)
    expect(resolvePrefix('svc:prod|a~b')).toBe('svc:prod|a~b')
    for (const bad of ['', 'a b', '{a}', 'x'.repeat(65), 7]) {
      expect(() => resolvePrefix(bad as never)).toThrow(invalid)
    }
  })

  it('turns seconds into milliseconds, refusing zero, negatives and non-numbers', () => {
    expect(resolveSeconds('timeout', undefined, 0.25)).toBe(250)
    expect(resolveSeconds('timeout', 0.0001, 1)).toBe(1)
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1']) {
      expect(() => resolveSeconds('timeout', bad as never, 1)).toThrow(invalid)
    }
  })

  it('checks the client has the commands that will be sent', () => {
    const client = { set: async () => 'OK', get: async () => null, eval: async () => 0 }
    expect(resolveClient(client, ['set', 'get', 'eval'])).toBe(client)
    expect(() => resolveClient({ set: client.set }, ['set', 'eval'])).toThrow(invalid)
    expect(() => resolveClient(null, ['set'])).toThrow(invalid)
  })
})

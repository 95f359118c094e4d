import { describe, expect, it } from 'vitest'
import { MIN_SECRET_BYTES } from '@gitlab-id-token/redis'
import { importSecrets, openEntry, sealEntry } from '../src/entry-seal.js'

const secrets = importSecrets('k'.repeat(MIN_SECRET_BYTES))
const entry = { jwks: { keys: [{ kty: 'RSA', kid: 'a', n: 'AQAB', e: 'AQAB' }] }, fetchedAt: 5 }

describe('sealEntry / openEntry', () => {
  it('round-trips, with and without jwksUri', () => {
    expect(openEntry(secrets, 'iss', sealEntry(secrets, 'iss', entry), 1e6)).toEqual({ entry })
    const withUri = { ...entry, jwksUri: 'https://gitlab.com/oauth/discovery/keys' }
    expect(openEntry(secrets, 'iss', sealEntry(secrets, 'iss', withUri), 1e6)).toEqual({
      entry: withUri,
    })
  })

  it('refuses any changed field, another issuer, or a broken envelope', () => {
    const sealed = JSON.parse(sealEntry(secrets, 'iss', entry)) as Record<string, unknown>
    const variants: [Record<string, unknown>, string][] = [
      [{ ...sealed, fetchedAt: 6 }, 'bad-mac'],
      [{ ...sealed, jwksUri: 'https://evil.example/keys' }, 'bad-mac'],
      [{ ...sealed, body: '{"keys":[]}' }, 'bad-mac'],
      [{ ...sealed, mac: 'AAAA' }, 'bad-mac'],
      [{ ...sealed, v: 2 }, 'malformed'],
      [{ ...sealed, fetchedAt: 'now' }, 'malformed'],
    ]
    for (const [variant, reason] of variants) {
      expect(openEntry(secrets, 'iss', JSON.stringify(variant), 1e6)).toEqual({ refused: reason })
    }
    expect(openEntry(secrets, 'other', JSON.stringify(sealed), 1e6)).toEqual({ refused: 'bad-mac' })
    expect(openEntry(secrets, 'iss', '[1]', 1e6)).toEqual({ refused: 'malformed' })
    expect(openEntry(secrets, 'iss', 'null', 1e6)).toEqual({ refused: 'malformed' })
    expect(openEntry(secrets, 'iss', JSON.stringify(sealed), 10)).toEqual({ refused: 'too-large' })
  })

  it('refuses a body that is not a key set even with a valid MAC', () => {
    const odd = sealEntry(secrets, 'iss', { jwks: { nokeys: true } as never, fetchedAt: 1 })
    expect(openEntry(secrets, 'iss', odd, 1e6)).toEqual({ refused: 'malformed' })
  })

  it('needs secrets of at least 32 bytes', () => {
    expect(() => importSecrets('é'.repeat(16))).not.toThrow() // 32 bytes in UTF-8
    expect(() => importSecrets('k'.repeat(31))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    )
    expect(() => importSecrets([])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }))
    expect(() => importSecrets([42] as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    )
  })
})

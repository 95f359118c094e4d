import { describe, expect, it } from 'vitest'
import { issuerTag, MAX_JTI_LENGTH, replayKey } from '@gitlab-id-token/redis'
import { replayContext } from '../src/replay-key.js'

describe('replayKey', () => {
  it('is {prefix}:jti:{issuerTag}:{jti}', () => {
    const tag = issuerTag('https://gitlab.com')
    expect(tag).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(replayKey('p', 'https://gitlab.com', 'a-b')).toBe(`p:jti:${tag}:a-b`)
    expect(issuerTag('https://gitlab.example.com')).not.toBe(tag)
  })

  it('refuses a jti that is empty, longer than 128 or not printable ASCII', () => {
    for (const jti of ['', 'x'.repeat(MAX_JTI_LENGTH + 1), 'a\nb', 'tab\t', '\u00ff', '😀']) {
      expect(() => replayKey('p', 'i', jti)).toThrow(
        expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED', status: 401 }),
      )
    }
    expect(replayKey('p', 'i', '~'.repeat(MAX_JTI_LENGTH))).toMatch(/~$/)
  })
})

describe('replayContext', () => {
  it('reads the core key when no context is given, splitting at the first newline', () => {
    expect(replayContext('https://gitlab.com\nj\nk', undefined)).toEqual({
      issuer: 'https://gitlab.com',
      jti: 'j\nk',
    })
    expect(replayContext('bare', undefined)).toEqual({ issuer: '', jti: 'bare' })
    const context = { issuer: 'i', jti: 'j', tenant: '42' }
    expect(replayContext('ignored', context)).toBe(context)
  })
})

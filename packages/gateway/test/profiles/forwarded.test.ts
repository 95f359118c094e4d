import { describe, expect, it } from 'vitest'
import { caddyProfile, haproxyProfile, traefikProfile } from '../../src/profiles/forwarded.js'
import { readWith } from './read-with.js'

describe.each([caddyProfile, traefikProfile, haproxyProfile])('$name profile', (profile) => {
  it('reads X-Forwarded-Method/Host/Uri, never X-Forwarded-Prefix, Forwarded or X-Original-*', async () => {
    const headers = {
      'x-forwarded-method': 'GET',
      'x-forwarded-host': 'a.example',
      'x-forwarded-uri': '/public/x',
      'x-forwarded-prefix': '/admin',
      forwarded: 'host=b.example;path=/admin',
      'x-original-uri': '/admin',
    }
    expect(await readWith(profile, { path: '/check', headers })).toEqual({
      method: 'GET',
      host: 'a.example',
      url: '/public/x',
    })
  })

  it('is ERR_GATEWAY_MISCONFIGURED without X-Forwarded-Uri (no fallback to /)', async () => {
    expect(
      await readWith(profile, {
        path: '/check',
        headers: { 'x-forwarded-method': 'GET', 'x-forwarded-host': 'a.example' },
      }),
    ).toMatchObject({ code: 'ERR_GATEWAY_MISCONFIGURED' })
  })
})

import { describe, expect, it } from 'vitest'
import { envoyProfile } from '../../src/profiles/envoy.js'
import { readWith } from './read-with.js'

describe('envoyProfile', () => {
  it('reads the request itself below /check and ignores every X-Forwarded-*', async () => {
    const outcome = await readWith(envoyProfile, {
      method: 'POST',
      path: '/check/deploy/production?force=1',
      headers: {
        host: 'Deploy.Acme.Example',
        'x-forwarded-uri': '/admin',
        'x-forwarded-host': 'evil.example',
        'x-original-uri': '/admin',
      },
    })
    expect(outcome).toEqual({
      method: 'POST',
      host: 'Deploy.Acme.Example',
      url: '/deploy/production?force=1',
    })
    expect(
      await readWith(envoyProfile, { path: '/check', headers: { host: 'a.example' } }),
    ).toEqual({ method: 'GET', host: 'a.example', url: '/' })
  })

  it('does not take /checker', async () => {
    expect(await readWith(envoyProfile, { path: '/checker', headers: { host: 'a.example' } })).toBe(
      'not a check',
    )
  })

  it('tells Envoy to strip the CI token on allow', () => {
    expect(envoyProfile.allowHeaders).toEqual([['x-envoy-auth-headers-to-remove', 'authorization']])
  })
})

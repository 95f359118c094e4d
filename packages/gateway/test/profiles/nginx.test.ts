import { describe, expect, it } from 'vitest'
import { nginxProfile } from '../../src/profiles/nginx.js'
import { readWith } from './read-with.js'

const original = {
  'x-original-method': 'POST',
  'x-original-host': 'deploy.acme.example',
  'x-original-uri': '/deploy/production?x=1',
}

describe('nginxProfile', () => {
  it('reads X-Original-Method/Host/URI and nothing else', async () => {
    expect(
      await readWith(nginxProfile, {
        path: '/check',
        headers: { ...original, 'x-forwarded-uri': '/admin', forwarded: 'path=/admin' },
      }),
    ).toEqual({
      method: 'POST',
      host: 'deploy.acme.example',
      url: '/deploy/production?x=1',
    })
  })

  it('is ERR_GATEWAY_MISCONFIGURED when a source header is missing, even with X-Forwarded-* present', async () => {
    const outcome = await readWith(nginxProfile, {
      path: '/check',
      headers: {
        'x-original-method': 'GET',
        'x-original-host': 'a.example',
        'x-forwarded-uri': '/x',
      },
    })
    expect(outcome).toEqual({
      code: 'ERR_GATEWAY_MISCONFIGURED',
      message: 'x-original-uri missing: proxy_set_header X-Original-URI $request_uri;',
    })
  })

  it('refuses a header sent twice (appended, not replaced)', async () => {
    const outcome = await readWith(nginxProfile, {
      path: '/check',
      headers: { ...original, 'x-original-uri': ['/public', '/admin'] },
    })
    expect(outcome).toMatchObject({
      code: 'ERR_GATEWAY_MISCONFIGURED',
      message: expect.stringContaining('sent 2 times'),
    })
  })

  it('answers only on /check', async () => {
    expect(await readWith(nginxProfile, { path: '/check/x', headers: original })).toBe(
      'not a check',
    )
    expect(await readWith(nginxProfile, { path: '/check?x=1', headers: original })).toMatchObject({
      method: 'POST',
    })
  })
})

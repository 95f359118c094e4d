import { describe, expect, it } from 'vitest'
import { compileIdentityHeaders, identityValues } from '../src/identity-headers.js'

const result = {
  claims: {
    project_id: '42',
    project_path: 'acme/widget',
    ref: 'main',
    environment: '',
    aud: ['a', 'b'],
  } as never,
  grants: ['deploy', 'read'],
}

describe('compileIdentityHeaders', () => {
  it('accepts always-present claims, $grants, $route and claims with a default', () => {
    expect(
      compileIdentityHeaders(
        {
          'X-Id': 'project_id',
          'X-G': '$grants',
          'X-R': '$route',
          'X-Env': { claim: 'environment', default: 'none' },
        },
        'g.yaml',
      ),
    ).toEqual([
      { name: 'X-Id', source: { kind: 'claim', claim: 'project_id' } },
      { name: 'X-G', source: { kind: 'grants' } },
      { name: 'X-R', source: { kind: 'route' } },
      { name: 'X-Env', source: { kind: 'claim', claim: 'environment', default: 'none' } },
    ])
  })

  it.each([
    [
      { 'X-Env': 'environment' },
      'g.yaml: identityHeaders.X-Env: claim environment can be absent or empty',
    ],
    [{ 'X-P': 'ref_protected' }, 'claim ref_protected can be absent or empty'],
    [{ 'X-N': 'no_such_claim' }, '"no_such_claim" is not a GitLab ID-token claim'],
    [{ Authorization: 'sub' }, "that header is the gateway's own"],
    [{ 'X-A': 'sub', 'x-a': 'iss' }, 'identityHeaders.x-a is listed twice'],
  ])('refuses %j', (raw, message) => {
    expect(() => compileIdentityHeaders(raw, 'g.yaml')).toThrow(message)
  })
})

describe('identityValues', () => {
  it('fills every header, joins lists with spaces and uses defaults for empty claims', () => {
    const headers = compileIdentityHeaders(
      {
        'X-Id': 'project_id',
        'X-G': '$grants',
        'X-R': '$route',
        'X-Env': { claim: 'environment', default: 'none' },
        'X-Aud': 'aud',
      },
      'g',
    )
    expect(identityValues(headers, result, 'deploy')).toEqual([
      ['X-Id', '42'],
      ['X-G', 'deploy read'],
      ['X-R', 'deploy'],
      ['X-Env', 'none'],
      ['X-Aud', 'a b'],
    ])
    expect(
      identityValues(
        compileIdentityHeaders({ 'X-G': '$grants' }, 'g'),
        { ...result, grants: [] },
        'r',
      ),
    ).toEqual([['X-G', '-']])
  })

  it('percent-encodes values that are not visible ASCII', () => {
    const headers = compileIdentityHeaders({ 'X-Path': 'project_path' }, 'g')
    expect(
      identityValues(
        headers,
        { ...result, claims: { project_path: 'acmé/x\r\nX-Evil: 1' } as never },
        'r',
      ),
    ).toEqual([['X-Path', 'acm%C3%A9%2Fx%0D%0AX-Evil%3A%201']])
  })

  it('never allows with an empty header: ERR_GATEWAY_MISCONFIGURED', () => {
    const headers = compileIdentityHeaders({ 'X-Ref': 'ref' }, 'g')
    expect(() => identityValues(headers, { ...result, claims: { ref: '' } as never }, 'r')).toThrow(
      expect.objectContaining({ code: 'ERR_GATEWAY_MISCONFIGURED', status: 500 }),
    )
  })
})

import type { GatewayRoute } from '../src/config-types.js'

/** A compiled route with defaults for what a test does not care about. */
export function route(
  overrides: Partial<GatewayRoute> & Pick<GatewayRoute, 'name' | 'path'>,
): GatewayRoute {
  return {
    index: 0,
    audiences: ['https://a.example'],
    policy: { allow: [{ match: { project_id: '1' } }] },
    policySource: 'inline',
    requireGrants: [],
    replay: false,
    ...overrides,
  }
}

/**
 * `@gitlab-id-token/gateway`: a forward-auth service that lets nginx, Caddy, HAProxy, Traefik and
 * Envoy accept GitLab CI/CD ID tokens, with one route table and per-route policies.
 *
 * @module
 */

export { loadGatewayConfig, parseGatewayConfig } from './load-config.js'
export { validateGatewayDocument, gatewaySchema } from './schema.js'
export { matchRoute } from './match-route.js'
export type { OriginalRequest, RouteMatch, RouteMiss } from './match-route.js'
export { normalizeHost, normalizePath } from './normalize.js'
export { startGateway } from './start-gateway.js'
export type { ReloadOutcome, RunningGateway, StartGatewayOptions } from './gateway-types.js'
export { registerKeySetCache, registerReplayStore } from './store-factories.js'
export type {
  KeySetCacheFactory,
  KeySetCacheHandle,
  ReplayStoreFactory,
  ReplayStoreHandle,
} from './store-factories.js'
export { DEFAULT_IDENTITY_HEADERS } from './identity-headers.js'
export { CHECK_PATH } from './profiles/index.js'
export type {
  AssertionSettings,
  GatewayConfig,
  GatewayRoute,
  IdentityHeader,
  IdentitySource,
  ProfileName,
  ReplaySettings,
} from './config-types.js'

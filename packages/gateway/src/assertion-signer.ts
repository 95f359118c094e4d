/**
 * Signing the short-lived assertion an app behind the proxy verifies with the core's
 * `createGatewayAssertionVerifier` (Pomerium's signed `X-Pomerium-Jwt-Assertion` model, research
 * note §1.2): EdDSA over Ed25519, `typ` pinned, lifetime ≤ 60 s.
 *
 * @module
 */

import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto'
import {
  GATEWAY_ASSERTION_TYPE,
  type JsonWebKeySet,
  type VerifyResult,
} from '@gitlab-id-token/core'
import type { AssertionSettings } from './config-types.js'

/**
 * Signs assertions for one key.
 *
 * @example
 * ```ts
 * const signer = createAssertionSigner(config.assertion)
 * res.setHeader(signer.header, signer.sign(result, route, audience))
 * ```
 */
export interface AssertionSigner {
  readonly header: string
  /** The public key set served at admin `/jwks.json`. */
  readonly jwks: JsonWebKeySet
  sign(
    result: Pick<VerifyResult, 'claims' | 'grants'>,
    route: string,
    audience: string,
    pinned: Readonly<Record<string, string>>,
  ): string
}

const b64 = (value: object | Buffer): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url')

/**
 * Creates the signer; `kid` is the RFC 7638 thumbprint of the public key.
 *
 * @example
 * ```ts
 * createAssertionSigner({ header: 'X-Gitlab-Assertion', keyFile, privateKey, ttl: 30, issuer: 'gitlab-id-token-gateway' })
 * ```
 */
export function createAssertionSigner(
  settings: AssertionSettings,
  now: () => number = Date.now,
): AssertionSigner {
  const key: KeyObject = settings.privateKey
  const publicJwk = createPublicKey(key).export({ format: 'jwk' }) as { x: string }
  // RFC 7638 §3.2: the thumbprint input for OKP keys is {crv, kty, x} in that order.
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: publicJwk.x }))
    .digest('base64url')
  const header = b64({ alg: 'EdDSA', typ: GATEWAY_ASSERTION_TYPE, kid })
  return {
    header: settings.header,
    jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: publicJwk.x, kid, alg: 'EdDSA', use: 'sig' }] },
    sign(result, route, audience, pinned) {
      const iat = Math.floor(now() / 1000)
      const { claims } = result
      // The CI token's jti is never forwarded: its hash still correlates logs with the app's.
      const jti = createHash('sha256')
        .update(`${claims.iss}\n${String(claims.jti)}\n${iat}`)
        .digest('base64url')
        .slice(0, 22)
      const payload = b64({
        iss: settings.issuer,
        aud: settings.audience ?? audience,
        sub: claims.sub,
        route,
        grants: result.grants,
        claims: pinned,
        iat,
        exp: iat + settings.ttl,
        jti,
      })
      const input = `${header}.${payload}`
      return `${input}.${b64(sign(null, Buffer.from(input), key))}`
    },
  }
}

/**
 * The HTTP server variants. Shared by the parent (what to start and how to load it) and the
 * server child (what to build).
 */

import type { OursSettings, VerifierTarget } from '../fixtures/policy.js'

/** The frameworks with an adapter. */
export type Framework = 'express' | 'fastify' | 'koa'
/** What guards the route: nothing, ours, the hand-written ceiling, or a peer library. */
export type VariantKind = 'bare' | 'ours' | 'rawcrypto' | 'peer'
/** `bare`: the framework without auth (a static header is still sent); the other two send tokens. */
export type LoadMode = 'bare' | 'distinct' | 'repeated'

/** One timed load of a variant. `quick`: also part of the `BENCH_QUICK=1` smoke run. */
export interface LoadRun {
  readonly mode: LoadMode
  readonly connections: number
  readonly quick: boolean
}

/** One server variant: its own process, its runs. */
export interface HttpVariant {
  readonly id: string
  readonly framework: Framework
  readonly kind: VariantKind
  readonly label: string
  /** How an `ours` variant differs from the adapter's defaults. */
  readonly ours?: OursSettings
  readonly runs: readonly LoadRun[]
}

/** What a server child needs to know (passed as JSON in `BENCH_SERVER`). */
export interface ServerConfig extends VerifierTarget {
  /** The core has `createVerifier({ crypto })`. */
  readonly cryptoModes: boolean
}

/** The one route every server answers. */
export const PATH = '/hello'

const FRAMEWORK: Record<Framework, { name: string; how: string; hook: string }> = {
  express: {
    name: 'Express 5',
    how: '`app.use(verifyGitlabIdToken(options))`',
    hook: 'middleware',
  },
  fastify: {
    name: 'Fastify 5',
    how: '`app.register(verifyGitlabIdToken, options)`',
    hook: '`onRequest` hook',
  },
  koa: { name: 'Koa 3', how: '`app.use(verifyGitlabIdToken(options))`', hook: 'middleware' },
}

const run = (mode: LoadMode, connections: number, quick = false): LoadRun => ({
  mode,
  connections,
  quick,
})

function forFramework(fw: Framework): HttpVariant[] {
  const { name, how, hook } = FRAMEWORK[fw]
  const crypto = (mode: 'sync' | 'threadpool' | 'auto'): HttpVariant => ({
    id: `${fw}-ours-${mode}`,
    framework: fw,
    kind: 'ours',
    label: `ours (\`@gitlab-id-token/${fw}\`), \`crypto: '${mode}'\`, \`cache: false\``,
    ours: { crypto: mode, cache: false },
    runs: [run('distinct', 1), run('distinct', 50, mode !== 'sync')],
  })
  return [
    {
      id: `${fw}-bare`,
      framework: fw,
      kind: 'bare',
      label: `${name} bare`,
      runs: [run('bare', 50, true)],
    },
    {
      id: `${fw}-ours`,
      framework: fw,
      kind: 'ours',
      label: `ours: \`@gitlab-id-token/${fw}\` ${how}, adapter defaults (result cache on)`,
      runs: [run('distinct', 50, true), run('repeated', 50, true)],
    },
    crypto('sync'),
    crypto('threadpool'),
    crypto('auto'),
    {
      id: `${fw}-rawcrypto`,
      framework: fw,
      kind: 'rawcrypto',
      label: `hand-written ${hook}: \`KeyObject\` per kid + sync \`crypto.verify\` (the ceiling)`,
      runs: [run('distinct', 1), run('distinct', 50)],
    },
  ]
}

const peer = (id: string, framework: Framework, label: string): HttpVariant => ({
  id,
  framework,
  kind: 'peer',
  label,
  runs: [run('distinct', 50)],
})

/** Every server variant, grouped by framework. */
export const HTTP_VARIANTS: readonly HttpVariant[] = [
  ...forFramework('express'),
  peer('express-jwt', 'express', 'express-jwt 8 + jwks-rsa `expressJwtSecret` (cache, rateLimit)'),
  peer(
    'express-oauth2-jwt-bearer',
    'express',
    'express-oauth2-jwt-bearer `auth({ issuer, audience, jwksUri })`',
  ),
  ...forFramework('fastify'),
  peer(
    'fastify-jwt',
    'fastify',
    '@fastify/jwt 10 (fast-jwt) + jwks-rsa `getSigningKey` secret callback',
  ),
  ...forFramework('koa'),
  peer('koa-jwt', 'koa', 'koa-jwt 4 + jwks-rsa `koaJwtSecret`'),
]

/** The variant needs `createVerifier({ crypto })` with a non-default mode. */
export function needsCryptoOption(v: HttpVariant): boolean {
  return v.ours?.crypto !== undefined && v.ours.crypto !== 'sync'
}

/**
 * The variant's `crypto`/`cache` settings, minus `crypto` when the core lacks it.
 *
 * @example
 * ```ts
 * verifyGitlabIdToken(oursOptions(cfg, oursSettings(variant, cfg)))
 * ```
 */
export function oursSettings(variant: HttpVariant, cfg: ServerConfig): OursSettings {
  const { crypto, ...rest } = variant.ours ?? {}
  if (crypto !== undefined && crypto !== 'sync' && !cfg.cryptoModes) {
    throw new Error(`${variant.id}: the core has no \`crypto\` option`)
  }
  return crypto === undefined || !cfg.cryptoModes ? rest : { ...rest, crypto }
}

/**
 * The HTTP server variants of section (b). Shared by the parent (what to start and how to load it)
 * and the server child (what to build).
 */

export type Framework = 'express' | 'fastify' | 'koa'
export type VariantKind = 'bare' | 'ours' | 'rawcrypto' | 'peer'
/** `bare`: the framework without auth (a static header is still sent); the other two send tokens. */
export type LoadMode = 'bare' | 'distinct' | 'repeated'

export interface HttpVariant {
  readonly id: string
  readonly framework: Framework
  readonly kind: VariantKind
  readonly label: string
  readonly modes: readonly LoadMode[]
  /** Part of the `BENCH_QUICK=1` smoke run. */
  readonly quick: boolean
}

/** What a server child needs to know (passed as JSON in `BENCH_SERVER`). */
export interface ServerConfig {
  readonly issuer: string
  readonly jwksUri: string
  readonly audience: string
  readonly projectId: string
  /** Our result-cache size for the `ours` variants (small, so distinct tokens always miss). */
  readonly oursCacheMax: number
}

const ours = (framework: Framework, how: string): HttpVariant => ({
  id: `${framework}-ours`,
  framework,
  kind: 'ours',
  label: `ours: \`@gitlab-id-token/${framework}\` ${how}`,
  modes: ['distinct', 'repeated'],
  quick: true,
})

const raw = (framework: Framework, how: string): HttpVariant => ({
  id: `${framework}-rawcrypto`,
  framework,
  kind: 'rawcrypto',
  label: `hand-written ${how}: \`KeyObject\` per kid + sync \`crypto.verify\` (the ceiling)`,
  modes: ['distinct'],
  quick: false,
})

export const HTTP_VARIANTS: readonly HttpVariant[] = [
  {
    id: 'express-bare',
    framework: 'express',
    kind: 'bare',
    label: 'Express 5 bare',
    modes: ['bare'],
    quick: true,
  },
  ours('express', '`app.use(verifyGitlabIdToken(options))`'),
  raw('express', 'middleware'),
  {
    id: 'express-jwt',
    framework: 'express',
    kind: 'peer',
    label: 'express-jwt 8 + jwks-rsa `expressJwtSecret` (cache, rateLimit)',
    modes: ['distinct'],
    quick: false,
  },
  {
    id: 'express-oauth2-jwt-bearer',
    framework: 'express',
    kind: 'peer',
    label: 'express-oauth2-jwt-bearer `auth({ issuer, audience, jwksUri })`',
    modes: ['distinct'],
    quick: false,
  },
  {
    id: 'fastify-bare',
    framework: 'fastify',
    kind: 'bare',
    label: 'Fastify 5 bare',
    modes: ['bare'],
    quick: true,
  },
  ours('fastify', '`app.register(verifyGitlabIdToken, options)`'),
  raw('fastify', '`onRequest` hook'),
  {
    id: 'fastify-jwt',
    framework: 'fastify',
    kind: 'peer',
    label: '@fastify/jwt 10 (fast-jwt) + jwks-rsa `getSigningKey` secret callback',
    modes: ['distinct'],
    quick: false,
  },
  {
    id: 'koa-bare',
    framework: 'koa',
    kind: 'bare',
    label: 'Koa 3 bare',
    modes: ['bare'],
    quick: true,
  },
  ours('koa', '`app.use(verifyGitlabIdToken(options))`'),
  raw('koa', 'middleware'),
  {
    id: 'koa-jwt',
    framework: 'koa',
    kind: 'peer',
    label: 'koa-jwt 4 + jwks-rsa `koaJwtSecret`',
    modes: ['distinct'],
    quick: false,
  },
]

export const PATH = '/hello'

/**
 * The attack-corpus runner: each case is one request to a real Express, Fastify and Koa server
 * (our adapter, the real mock issuer, loopback only), asserting the exact `code` and HTTP status
 * the client receives. A suite file lists its cases and calls {@link runCorpus}.
 */

import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import {
  createMemoryReplayStore,
  createVerifier,
  type GitlabIdTokenErrorCode,
  type IssuerConfig,
  type Policy,
  type VerifierOptions,
} from '@gitlab-id-token/core'
import {
  createMockGitlab,
  generateSigningKey,
  type ClaimOverrides,
  type Claims,
  type MintOptions,
  type MockGitlab,
  type SigningKey,
} from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAttackerServer, type AttackerServer } from './attacker.js'
import { sendRaw, type RawResponse } from './http.js'
import {
  countingVerifier,
  FRAMEWORKS,
  startApp,
  type AppOptions,
  type Framework,
  type RunningApp,
} from './servers.js'

export const AUDIENCE = 'https://deploy.example.com'
export const WIDGET_PATH = 'acme/widget'
/** Trusted next to the mock, with a static key set holding the mock's CI key (no network). */
export const GITLAB_COM = 'https://gitlab.com'

/**
 * - `default`: the documented defaults and {@link corpusPolicy}.
 * - `strict`: plus `maxTokenAge: 7200`, replay protection and a deny rule for fork MR pipelines.
 * - `duplicate-kid`: a static key set with a second key published under the CI key's `kid`.
 * - `query-token`: the adapter's `getToken` reads `?access_token=` (the opt-in).
 * - `large-headers`: Node's header limit raised to 2 MiB, so the core's own size cap is reached.
 * - `unicode-regex`: one allow rule whose `ref` regex has the `u` flag and can match the empty
 *   string (`(main|release-\d+)?`).
 */
export type ConfigName =
  'default' | 'strict' | 'duplicate-kid' | 'query-token' | 'large-headers' | 'unicode-regex'

export interface CorpusContext {
  readonly gitlab: MockGitlab
  /** `project_id` (and `job_project_id`) of acme/widget, the project the policy pins. */
  readonly widgetId: string
  /** Receives `jku`/`x5u` URLs; must never receive a request. */
  readonly attacker: AttackerServer
  /** An RSA key that is in no key set. */
  readonly attackerKey: SigningKey
  /** Another RSA key under the CI key's `kid`; published only in the `duplicate-kid` config. */
  readonly impostorKey: SigningKey
  readonly ecKey: { readonly privateKey: KeyObject; readonly publicKey: KeyObject }
  /** A valid acme/widget token on `main` (protected): allowed with grants deploy + read. */
  valid(overrides?: ClaimOverrides, options?: MintOptions): string
  /** The claims {@link valid} would sign, for hand-made payloads. */
  claims(overrides?: ClaimOverrides): Claims
}

export interface CorpusRequest {
  /** Default `/whoami`. */
  readonly path?: string
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string
  readonly headers?: Readonly<Record<string, string | readonly string[]>>
}

export interface AppHandle {
  readonly url: string
  /** `verify` calls that reached the core through this app. */
  readonly verifyCalls: number
}

/** What a case's `check` sees of the app: also the `verify` count before the asserted request. */
export interface CheckedApp extends AppHandle {
  readonly verifyCallsBefore: number
}

export interface CorpusCase {
  /** The attack, as it appears in SECURITY.md. */
  readonly name: string
  readonly config?: ConfigName
  readonly request: (ctx: CorpusContext) => CorpusRequest
  /** `code` is omitted for an accepted request and for answers Node gives before the app. */
  readonly expect: { readonly status: number; readonly code?: GitlabIdTokenErrorCode }
  /** Runs first with the same request (e.g. the first use of a token before its replay). */
  readonly before?: (send: () => Promise<RawResponse>) => Promise<void>
  /** Further assertions on the answer. */
  readonly check?: Check
}

/** Further assertions a case makes on the answer it received. */
export type Check = (response: RawResponse, ctx: CorpusContext, app: CheckedApp) => void

/**
 * The corpus policy: `widget-protected` pins acme/widget's ID on a protected ref (grants deploy and
 * read); `widget-job` pins only `job_project_id` (grant read), which a fork merge request pipeline
 * that runs in acme/widget also satisfies. `strict` adds a deny rule for exactly that case.
 */
export function corpusPolicy(widgetId: string, strict: boolean): Policy {
  return {
    allow: [
      {
        name: 'widget-protected',
        match: { project_id: widgetId, ref_protected: true },
        grants: ['deploy', 'read'],
      },
      { name: 'widget-job', match: { job_project_id: widgetId }, grants: ['read'] },
    ],
    ...(strict
      ? {
          deny: [
            {
              name: 'fork-merge-request',
              match: {
                project_id: (value: unknown, claims) =>
                  claims.job_project_id !== undefined && value !== claims.job_project_id,
              },
            },
          ],
        }
      : {}),
  }
}

/**
 * Each allow rule once per trusted issuer, with an exact `iss` and the same name: with more than
 * one trusted issuer every allow rule must name its instance (issue 8, issuer scope), and a token
 * matches at most one copy, so `result.rules` reads as before.
 */
function perIssuer(policy: Policy, issuer: VerifierOptions['issuer']): Policy {
  const list = Array.isArray(issuer) ? issuer : [issuer]
  const names = list.map((i: string | IssuerConfig | undefined) =>
    typeof i === 'string' ? i : (i?.issuer ?? GITLAB_COM),
  )
  if (names.length < 2) return policy
  const allow = policy.allow.flatMap((rule) =>
    names.map((iss) => ({ ...rule, match: { iss, ...rule.match } })),
  )
  return { ...policy, allow }
}

function verifierOptions(ctx: CorpusContext, config: ConfigName): VerifierOptions {
  const options = unscopedOptions(ctx, config)
  return { ...options, policy: perIssuer(options.policy, options.issuer) }
}

function unscopedOptions(ctx: CorpusContext, config: ConfigName): VerifierOptions {
  const issuers: IssuerConfig[] = [
    { issuer: ctx.gitlab.issuer },
    { issuer: GITLAB_COM, jwks: { keys: [{ ...ctx.gitlab.ciKey.publicJwk }] } },
  ]
  const base = {
    audience: AUDIENCE,
    issuer: issuers,
    policy: corpusPolicy(ctx.widgetId, false),
    // Every unknown kid is checked against a fresh fetch, so each case reads what a kid the key
    // set lacks gets (401); the spent-budget answer (503 + Retry-After) is in key-set-faults.
    jwks: { cooldown: 0, refetchesPerMinute: 60 },
  }
  switch (config) {
    case 'strict':
      return {
        ...base,
        policy: corpusPolicy(ctx.widgetId, true),
        maxTokenAge: 7200,
        replay: { store: createMemoryReplayStore({ max: 10_000 }) },
      }
    case 'unicode-regex':
      return {
        ...base,
        policy: {
          allow: [
            {
              name: 'main-or-release',
              match: {
                project_id: ctx.widgetId,
                ref: { regex: '(main|release-\\d+)?', flags: 'u' },
              },
              grants: ['deploy'],
            },
          ],
        },
      }
    case 'duplicate-kid':
      return {
        ...base,
        issuer: {
          issuer: ctx.gitlab.issuer,
          jwks: { keys: [{ ...ctx.gitlab.ciKey.publicJwk }, { ...ctx.impostorKey.publicJwk }] },
        },
      }
    default:
      return base
  }
}

function appExtras(config: ConfigName): Omit<AppOptions, 'verifier'> {
  if (config === 'query-token') return { queryToken: true }
  if (config === 'large-headers') return { maxHeaderSize: 2 * 1024 * 1024 }
  return {}
}

const CHALLENGES: Partial<Record<number, string>> = {
  400: 'error="invalid_request"',
  403: 'error="insufficient_scope"',
}

/** Defines one `describe` per framework with one `it` per case. */
export function runCorpus(suite: string, cases: readonly CorpusCase[]): void {
  describe(suite, () => {
    let ctx: CorpusContext
    const apps = new Map<string, Promise<RunningApp & AppHandle>>()

    beforeAll(async () => {
      const gitlab = await createMockGitlab()
      const attacker = await startAttackerServer()
      const widgetId = gitlab.buildClaims({ project_path: WIDGET_PATH }).project_id
      const base = (overrides: ClaimOverrides = {}): ClaimOverrides => ({
        aud: AUDIENCE,
        project_path: WIDGET_PATH,
        ...overrides,
      })
      ctx = {
        gitlab,
        widgetId,
        attacker,
        attackerKey: generateSigningKey(),
        impostorKey: generateSigningKey({ kid: gitlab.ciKey.kid }),
        ecKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
        valid: (overrides, options) => gitlab.mint(base(overrides), options),
        claims: (overrides) => gitlab.buildClaims(base(overrides)),
      }
    })

    afterAll(async () => {
      const running = await Promise.all(apps.values())
      await Promise.all(running.map((app) => app.close()))
      await ctx.attacker.close()
      await ctx.gitlab.close()
    })

    function app(framework: Framework, config: ConfigName): Promise<RunningApp & AppHandle> {
      const key = `${framework}:${config}`
      let running = apps.get(key)
      if (running === undefined) {
        const verifier = countingVerifier(createVerifier(verifierOptions(ctx, config)))
        running = startApp(framework, { verifier, ...appExtras(config) }).then((started) => ({
          ...started,
          get verifyCalls() {
            return verifier.calls
          },
        }))
        apps.set(key, running)
      }
      return running
    }

    describe.each(FRAMEWORKS)('%s', (framework) => {
      for (const c of cases) {
        const title = `${c.name} → ${c.expect.code ?? (c.expect.status === 200 ? 'accepted' : 'no code')} ${c.expect.status}`
        it(title, async () => {
          const target = await app(framework, c.config ?? 'default')
          const request = c.request(ctx)
          const headers = {
            ...(request.token === undefined ? {} : { authorization: `Bearer ${request.token}` }),
            ...request.headers,
          }
          const send = (): Promise<RawResponse> =>
            sendRaw(`${target.url}${request.path ?? '/whoami'}`, { headers })
          if (c.before !== undefined) await c.before(send)
          const verifyCallsBefore = target.verifyCalls
          const response = await send()
          expect({ status: response.status, code: response.json?.code }).toEqual({
            status: c.expect.status,
            code: c.expect.code,
          })
          const challenge =
            c.expect.status === 401 && c.expect.code !== 'ERR_TOKEN_MISSING'
              ? 'error="invalid_token"'
              : CHALLENGES[c.expect.status]
          if (challenge !== undefined) {
            expect(response.headers['www-authenticate']).toContain(challenge)
          }
          c.check?.(response, ctx, {
            url: target.url,
            verifyCalls: target.verifyCalls,
            verifyCallsBefore,
          })
        })
      }
    })
  })
}

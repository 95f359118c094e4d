/**
 * Attack corpus, part 3: claim games. Issuer look-alikes, audience tricks, odd time claims,
 * duplicate JSON members, `__proto__`/`constructor` members, wrongly typed claims, other tenants
 * (same group, re-registered path, fork merge requests, older GitLab versions), custom `sub`
 * formats, GitLab user-login and Secrets Manager tokens and the legacy `CI_JOB_JWT` shape. All tokens are really signed by the mock issuer's key: these are the attacks
 * of someone who can obtain *some* genuine GitLab token. Through Express, Fastify and Koa.
 */

import type { GitlabIdTokenErrorCode } from '@gitlab-id-token/core'
import type { Claims } from '@gitlab-id-token/testing'
import { expect } from 'vitest'
import {
  AUDIENCE,
  GITLAB_COM,
  runCorpus,
  type Check,
  type CorpusCase,
  type CorpusContext,
} from './support/corpus.js'

const status = (code: GitlabIdTokenErrorCode, http = 401) => ({ status: http, code }) as const
const ACCEPTED = { status: 200 } as const
const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** The claims as JSON text with extra members appended after the real ones (duplicates allowed). */
function jsonWith(claims: Claims, extra: string): string {
  return `${JSON.stringify(claims).slice(0, -1)},${extra}}`
}

function withoutClaims(claims: Claims, ...names: string[]): Claims {
  const copy = { ...claims }
  for (const name of names) delete copy[name]
  return copy
}

const noPrototypePollution: Check = () => {
  const probe: Record<string, unknown> = {}
  expect(probe.polluted).toBeUndefined()
  expect(probe.ref_protected).toBeUndefined()
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false)
}

const rulesAre =
  (...rules: string[]): Check =>
  (response) =>
    expect(response.json.rules).toEqual(rules)

function issuerCase(name: string, iss: (ctx: CorpusContext) => unknown): CorpusCase {
  return {
    name,
    request: (ctx) => ({ token: ctx.valid({ iss: iss(ctx) }) }),
    expect: status('ERR_ISSUER_UNTRUSTED'),
  }
}

function audienceCase(name: string, aud: unknown): CorpusCase {
  return {
    name: `aud ${name}`,
    request: (ctx) => ({ token: ctx.valid({ aud }) }),
    expect: status('ERR_AUDIENCE_MISMATCH'),
  }
}

function timeCase(
  name: string,
  overrides: () => Record<string, unknown>,
  expected: CorpusCase['expect'],
  config?: CorpusCase['config'],
): CorpusCase {
  return {
    name,
    ...(config === undefined ? {} : { config }),
    request: (ctx) => ({ token: ctx.valid(overrides()) }),
    expect: expected,
  }
}

const forkMergeRequest = {
  project_path: 'mallory/widget',
  job_project_path: 'acme/widget',
  ref: 'feature',
  pipeline_source: 'merge_request_event',
}

const cases: CorpusCase[] = [
  // --- iss look-alikes: against https://gitlab.com (static key set) and against the mock's URL ---
  {
    name: 'control: iss exactly "https://gitlab.com"',
    request: (ctx) => ({ token: ctx.valid({ iss: GITLAB_COM }) }),
    expect: ACCEPTED,
  },
  ...[
    'https://gitlab.com/',
    'https://GITLAB.com',
    'https://gitlab.com.evil.test',
    'https://gitlab.com@evil.test',
    'gitlab.com',
    'http://gitlab.com',
    'https://gitlab.com:443',
    ' https://gitlab.com',
  ].map((iss) => issuerCase(`iss look-alike "${iss}"`, () => iss)),
  issuerCase('iss = the mock issuer with a trailing slash', (ctx) => `${ctx.gitlab.issuer}/`),
  issuerCase('iss = the mock issuer via "localhost"', (ctx) =>
    ctx.gitlab.issuer.replace('127.0.0.1', 'localhost'),
  ),
  issuerCase('iss = the mock issuer in upper case', (ctx) => ctx.gitlab.issuer.toUpperCase()),
  issuerCase('iss missing', () => undefined),
  issuerCase('iss null', () => null),
  issuerCase('iss a number', () => 1),
  issuerCase('iss an array holding the trusted issuer', (ctx) => [ctx.gitlab.issuer]),

  // --- aud ---
  {
    name: 'control: aud an array holding ours among others',
    request: (ctx) => ({ token: ctx.valid({ aud: ['https://other.example', AUDIENCE] }) }),
    expect: ACCEPTED,
  },
  audienceCase('a substring of ours', AUDIENCE.slice(0, -1)),
  audienceCase('a superstring of ours (".evil.test" appended)', `${AUDIENCE}.evil.test`),
  audienceCase('with a trailing slash', `${AUDIENCE}/`),
  audienceCase('in another case', AUDIENCE.toUpperCase()),
  audienceCase('comma-joined with another', `${AUDIENCE},https://other.example`),
  audienceCase('a nested array [[ours]]', [[AUDIENCE]]),
  audienceCase('an object { aud: ours }', { aud: AUDIENCE }),
  audienceCase('an object keyed by ours', { [AUDIENCE]: true }),
  audienceCase('a number', 42),
  audienceCase('an empty array', []),
  audienceCase('null', null),
  audienceCase('missing', undefined),

  // --- exp / nbf / iat ---
  timeCase(
    'exp as a numeric string',
    () => ({ exp: String(nowSeconds() + 3600) }),
    status('ERR_TOKEN_MALFORMED'),
  ),
  timeCase(
    'nbf as a numeric string',
    () => ({ nbf: String(nowSeconds() - 5) }),
    status('ERR_TOKEN_MALFORMED'),
  ),
  timeCase(
    'iat as a numeric string',
    () => ({ iat: String(nowSeconds()) }),
    status('ERR_TOKEN_MALFORMED'),
  ),
  timeCase('exp missing', () => ({ exp: undefined }), status('ERR_TOKEN_MALFORMED')),
  timeCase('nbf missing', () => ({ nbf: undefined }), status('ERR_TOKEN_MALFORMED')),
  timeCase('iat missing', () => ({ iat: undefined }), status('ERR_TOKEN_MALFORMED')),
  timeCase('exp null', () => ({ exp: null }), status('ERR_TOKEN_MALFORMED')),
  timeCase('exp true', () => ({ exp: true }), status('ERR_TOKEN_MALFORMED')),
  {
    name: 'exp 1e999 (JSON.parse makes it Infinity)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(
        JSON.stringify(ctx.claims({ exp: 0 })).replace('"exp":0', '"exp":1e999'),
      ),
    }),
    expect: status('ERR_TOKEN_MALFORMED'),
  },
  timeCase(
    'exp, nbf and iat as floats (RFC 7519 NumericDate allows fractions)',
    () => {
      const now = nowSeconds()
      return { iat: now + 0.25, nbf: now - 4.75, exp: now + 3600.5 }
    },
    ACCEPTED,
  ),
  timeCase('exp negative', () => ({ exp: -1 }), status('ERR_TOKEN_EXPIRED')),
  timeCase(
    'exp 31 s ago (just outside the 30 s tolerance)',
    () => ({ exp: nowSeconds() - 31 }),
    status('ERR_TOKEN_EXPIRED'),
  ),
  timeCase(
    'control: exp 10 s ago (inside the 30 s tolerance)',
    () => ({ exp: nowSeconds() - 10 }),
    ACCEPTED,
  ),
  timeCase('nbf negative', () => ({ nbf: -1 }), ACCEPTED),
  timeCase('iat negative, no maxTokenAge (default)', () => ({ iat: -1, nbf: -6 }), ACCEPTED),
  timeCase(
    'iat negative with maxTokenAge 7200',
    () => ({ iat: -1, nbf: -6 }),
    status('ERR_TOKEN_TOO_OLD'),
    'strict',
  ),
  timeCase(
    'iat 3 h ago with maxTokenAge 7200',
    () => ({ iat: nowSeconds() - 10_800 }),
    status('ERR_TOKEN_TOO_OLD'),
    'strict',
  ),
  timeCase(
    'exp far in the future (year 3000), no maxTokenAge',
    () => ({ exp: 32_503_680_000 }),
    ACCEPTED,
  ),
  timeCase(
    'nbf far in the future',
    () => ({ nbf: 32_503_680_000 }),
    status('ERR_TOKEN_NOT_YET_VALID'),
  ),
  timeCase(
    'iat far in the future',
    () => ({ iat: 32_503_680_000 }),
    status('ERR_TOKEN_NOT_YET_VALID'),
  ),
  timeCase(
    'iat 60 s in the future (beyond the tolerance)',
    () => ({ iat: nowSeconds() + 60 }),
    status('ERR_TOKEN_NOT_YET_VALID'),
  ),

  // --- duplicate JSON members (RFC 7515 §5.2: the last one wins, for every check and the app) ---
  {
    name: 'duplicate project_id/job_project_id: allowed value first, a foreign one last',
    request: (ctx) => ({
      token: ctx.gitlab.sign(
        jsonWith(ctx.claims(), '"project_id":"99999999","job_project_id":"99999999"'),
      ),
    }),
    expect: status('ERR_POLICY_DENIED', 403),
  },
  {
    name: 'duplicate project_id/job_project_id: foreign value first, the allowed one last (the app sees what the policy saw)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(
        jsonWith(
          ctx.claims({ project_id: '99999999', job_project_id: '99999999' }),
          `"project_id":"${ctx.widgetId}","job_project_id":"${ctx.widgetId}"`,
        ),
      ),
    }),
    expect: ACCEPTED,
    check: (response, ctx) => expect(response.json.project_id).toBe(ctx.widgetId),
  },
  {
    name: 'duplicate iss: trusted first, untrusted last',
    request: (ctx) => ({
      token: ctx.gitlab.sign(jsonWith(ctx.claims(), '"iss":"https://evil.test"')),
    }),
    expect: status('ERR_ISSUER_UNTRUSTED'),
  },
  {
    name: 'duplicate aud: ours first, another last',
    request: (ctx) => ({
      token: ctx.gitlab.sign(jsonWith(ctx.claims(), '"aud":"https://other.example"')),
    }),
    expect: status('ERR_AUDIENCE_MISMATCH'),
  },
  {
    name: 'duplicate header alg: "RS256" first, "none" last',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        header: `{"alg":"RS256","kid":"${ctx.gitlab.ciKey.kid}","typ":"JWT","alg":"none"}`,
        algorithm: 'RS256',
      }),
    }),
    expect: status('ERR_ALGORITHM_NOT_ALLOWED'),
  },
  {
    name: 'duplicate header kid: the real kid first, another last',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        header: `{"alg":"RS256","kid":"${ctx.gitlab.ciKey.kid}","typ":"JWT","kid":"other"}`,
      }),
    }),
    expect: status('ERR_KEY_NOT_FOUND'),
  },

  // --- __proto__ / constructor members ---
  {
    name: '"__proto__" member carrying ref_protected and job_project_id (never seen as claims, no pollution)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(
        jsonWith(
          withoutClaims(ctx.claims(), 'ref_protected', 'job_project_id'),
          `"__proto__":{"ref_protected":"true","job_project_id":"${ctx.widgetId}","polluted":"yes"}`,
        ),
      ),
    }),
    expect: status('ERR_POLICY_DENIED', 403),
    check: noPrototypePollution,
  },
  {
    name: '"__proto__" member carrying aud (aud itself missing)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(
        jsonWith(withoutClaims(ctx.claims(), 'aud'), `"__proto__":{"aud":"${AUDIENCE}"}`),
      ),
    }),
    expect: status('ERR_AUDIENCE_MISMATCH'),
    check: noPrototypePollution,
  },
  {
    name: '"__proto__" member carrying iss (iss itself missing)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(
        jsonWith(withoutClaims(ctx.claims(), 'iss'), `"__proto__":{"iss":"${ctx.gitlab.issuer}"}`),
      ),
    }),
    expect: status('ERR_ISSUER_UNTRUSTED'),
    check: noPrototypePollution,
  },
  {
    name: '"constructor": { "prototype": … } member on an otherwise valid token (inert, no pollution)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(
        jsonWith(ctx.claims(), '"constructor":{"prototype":{"polluted":"yes"}}'),
      ),
    }),
    expect: ACCEPTED,
    check: noPrototypePollution,
  },
  {
    name: 'header "__proto__" member carrying alg (alg itself missing)',
    request: (ctx) => ({
      token: ctx.gitlab.sign(ctx.claims(), {
        header: `{"__proto__":{"alg":"RS256"},"kid":"${ctx.gitlab.ciKey.kid}","typ":"JWT"}`,
        algorithm: 'RS256',
      }),
    }),
    expect: status('ERR_ALGORITHM_NOT_ALLOWED'),
    check: noPrototypePollution,
  },

  // --- wrong JSON types for the policy (the signature is GitLab's; the types are what was signed) ---
  {
    name: 'ref_protected: true (JSON boolean) on a route needing "deploy" (boolean matcher matches it)',
    request: (ctx) => ({ path: '/deploy', token: ctx.valid({ ref_protected: true }) }),
    expect: ACCEPTED,
  },
  ...['TRUE', 1, 'true ', ''].map((value): CorpusCase => ({
    name: `ref_protected: ${JSON.stringify(value)} on a route needing "deploy"`,
    request: (ctx) => ({ path: '/deploy', token: ctx.valid({ ref_protected: value }) }),
    expect: status('ERR_INSUFFICIENT_SCOPE', 403),
  })),
  {
    name: 'project_id: 42 (a JSON number): not the shape of a GitLab CI token',
    request: (ctx) => ({ token: ctx.valid({ project_id: 42 }) }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  },
  {
    name: "project_id: acme/widget's ID as a JSON number",
    request: (ctx) => ({ token: ctx.valid({ project_id: Number(ctx.widgetId) }) }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  },
  {
    name: "project_id: [acme/widget's ID] (an array)",
    request: (ctx) => ({ token: ctx.valid({ project_id: [ctx.widgetId] }) }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  },
  {
    name: 'job_id as a JSON number',
    request: (ctx) => ({ token: ctx.valid({ job_id: 7_400_000_001 }) }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  },
  {
    name: "job_project_id: acme/widget's ID as a JSON number, foreign project_id (string matcher matches equal numbers)",
    request: (ctx) => ({
      token: ctx.valid({
        project_id: '99999999',
        ref: 'feature',
        job_project_id: Number(ctx.widgetId),
      }),
    }),
    expect: ACCEPTED,
    check: rulesAre('widget-job'),
  },

  // --- other tenants ---
  {
    name: 'legitimate token from another project of the same group (acme/other)',
    request: (ctx) => ({ token: ctx.valid({ project_path: 'acme/other' }) }),
    expect: status('ERR_POLICY_DENIED', 403),
  },
  {
    name: 'path look-alike project acme/widget-evil',
    request: (ctx) => ({ token: ctx.valid({ project_path: 'acme/widget-evil' }) }),
    expect: status('ERR_POLICY_DENIED', 403),
  },
  {
    name: 'path acme/widget re-registered by someone else (new project_id)',
    request: (ctx) => ({
      token: ctx.valid({ project_id: '99999999', job_project_id: '99999999' }),
    }),
    expect: status('ERR_POLICY_DENIED', 403),
  },
  {
    name: 'fork merge-request token (project_* = the fork, job_project_* = acme/widget) on a route needing "deploy"',
    request: (ctx) => ({ path: '/deploy', token: ctx.valid(forkMergeRequest) }),
    expect: status('ERR_INSUFFICIENT_SCOPE', 403),
  },
  {
    name: 'fork merge-request token against the job_project_id-only rule (admitted: read only)',
    request: (ctx) => ({ token: ctx.valid(forkMergeRequest) }),
    expect: ACCEPTED,
    check: rulesAre('widget-job'),
  },
  {
    name: 'fork merge-request token with a deny rule project_id ≠ job_project_id',
    config: 'strict',
    request: (ctx) => ({ token: ctx.valid(forkMergeRequest) }),
    expect: status('ERR_POLICY_DENIED', 403),
  },

  {
    name: 'fork merge-request token on a fork branch "main": ci_config_ref_uri equals acme/widget\'s protected main, still no "deploy"',
    request: (ctx) => ({ path: '/deploy', token: ctx.valid({ ...forkMergeRequest, ref: 'main' }) }),
    expect: status('ERR_INSUFFICIENT_SCOPE', 403),
    check: (_response, ctx) =>
      expect(ctx.claims({ ...forkMergeRequest, ref: 'main' }).ci_config_ref_uri).toBe(
        ctx.claims().ci_config_ref_uri,
      ),
  },
  {
    name: 'fork merge-request token from GitLab 18.3 (fork semantics, no job_project_*): no rule matches',
    request: (ctx) => ({ token: ctx.valid(forkMergeRequest, { gitlabVersion: '18.3' }) }),
    expect: status('ERR_POLICY_DENIED', 403),
  },
  {
    name: 'fork merge-request token on "main" from GitLab 18.2.1 (every claim names acme/widget): not protected',
    request: (ctx) => ({
      path: '/deploy',
      token: ctx.valid({ ...forkMergeRequest, ref: 'main' }, { gitlabVersion: '18.2.1' }),
    }),
    expect: status('ERR_POLICY_DENIED', 403),
  },
  {
    name: 'control: a GitLab 17.1 token (no job_project_*) matches the project_id rule only',
    request: (ctx) => ({ token: ctx.valid({}, { gitlabVersion: '17.1' }) }),
    expect: ACCEPTED,
    check: rulesAre('widget-protected'),
  },

  // --- custom sub components (ci_id_token_sub_claim_components) ---
  ...(
    [
      ['job_project_id', 'ref'],
      ['job_project_path', 'ref_type', 'ref'],
      ['source_project_id', 'ref_type', 'ref'],
      ['project_path', 'ref', 'ref_type', 'ref_protected'],
    ] as const
  ).map((subComponents): CorpusCase => ({
    name: `control: sub with components ${subComponents.join(', ')} (a real CI token)`,
    request: (ctx) => ({ token: ctx.valid({}, { subComponents }) }),
    expect: ACCEPTED,
  })),
  ...(
    [
      ['sub naming no project first', 'ref_type:branch:ref:main'],
      ['sub with an undocumented project_id first component', 'project_id:1:ref:main'],
      ['a Secrets Manager user token (sub user:<name>)', 'user:jdoe'],
      ['a Secrets Manager global token (sub gitlab_secrets_manager)', 'gitlab_secrets_manager'],
    ] as const
  ).map(([name, sub]): CorpusCase => ({
    name,
    request: (ctx) => ({ token: ctx.valid({ sub }) }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  })),
  {
    name: 'a Secrets Manager pipeline token (full CI claims plus secrets_manager_scope)',
    request: (ctx) => ({
      token: ctx.valid({ secrets_manager_scope: 'pipeline', project_group_ids: [] }),
    }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  },

  // --- regex matchers: a full match means the whole value, whatever its characters ---
  {
    name: 'control: ref "main" against the regex (main|release-\\d+)? with the u flag',
    config: 'unicode-regex',
    request: (ctx) => ({ token: ctx.valid({ ref: 'main' }) }),
    expect: ACCEPTED,
  },
  {
    name: 'ref "feature" against the regex (main|release-\\d+)? with the u flag',
    config: 'unicode-regex',
    request: (ctx) => ({ token: ctx.valid({ ref: 'feature' }) }),
    expect: status('ERR_POLICY_DENIED', 403),
  },
  {
    name: 'ref "feature-😀" (an astral character) against the regex (main|release-\\d+)? with the u flag',
    config: 'unicode-regex',
    request: (ctx) => ({ token: ctx.valid({ ref: 'feature-😀' }) }),
    expect: status('ERR_POLICY_DENIED', 403),
  },

  // --- other GitLab token kinds signed by the same key set ---
  {
    name: 'GitLab user-login OIDC id_token with our audience',
    request: (ctx) => ({ token: ctx.gitlab.mintUserToken({ aud: AUDIENCE }) }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  },
  {
    name: 'GitLab user-login OIDC id_token with its own client-id audience',
    request: (ctx) => ({ token: ctx.gitlab.mintUserToken() }),
    expect: status('ERR_AUDIENCE_MISMATCH'),
  },
  {
    name: 'GitLab user-login OIDC id_token with our audience and a project_path: sub',
    request: (ctx) => ({
      token: ctx.gitlab.mintUserToken({
        aud: AUDIENCE,
        sub: 'project_path:acme/widget:ref_type:branch:ref:main',
      }),
    }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  },
  {
    name: 'legacy CI_JOB_JWT shape (bare-host iss, sub job_<id>, no aud)',
    request: (ctx) => ({
      token: ctx.valid({
        iss: new URL(ctx.gitlab.issuer).host,
        sub: 'job_7400000001',
        aud: undefined,
      }),
    }),
    expect: status('ERR_ISSUER_UNTRUSTED'),
  },
  {
    name: 'legacy CI_JOB_JWT from gitlab.com (iss "gitlab.com", no aud)',
    request: (ctx) => ({
      token: ctx.valid({ iss: 'gitlab.com', sub: 'job_7400000001', aud: undefined }),
    }),
    expect: status('ERR_ISSUER_UNTRUSTED'),
  },
  {
    name: 'legacy shape with a full-URL iss and no aud',
    request: (ctx) => ({ token: ctx.valid({ sub: 'job_7400000001', aud: undefined }) }),
    expect: status('ERR_AUDIENCE_MISMATCH'),
  },
  {
    name: 'legacy sub "job_<id>" with a trusted iss and our aud',
    request: (ctx) => ({ token: ctx.valid({ sub: 'job_7400000001' }) }),
    expect: status('ERR_NOT_A_CI_TOKEN'),
  },

  // --- replay (opt-in) ---
  {
    name: 'the same valid token a second time, replay store configured',
    config: 'strict',
    request: (ctx) => ({ token: ctx.valid() }),
    before: async (send) => expect((await send()).status).toBe(200),
    expect: status('ERR_TOKEN_REPLAYED'),
  },
]

runCorpus('claim attacks', cases)

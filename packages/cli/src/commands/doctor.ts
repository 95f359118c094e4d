/**
 * `gitlab-id-token doctor`: can this machine verify tokens of that issuer, and if not, exactly
 * what is wrong.
 *
 * @module
 */

import { createPublicKey } from 'node:crypto'
import { createVerifier, DEFAULT_ISSUER } from '@gitlab-id-token/core'
import type { Command, CommandContext } from '../command.js'
import { stringFlag } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { humanDuration } from '../parse-time.js'
import { probeJson, type Probe } from '../probe.js'
import { isRecord } from '../read-document.js'
import type { Style } from '../style.js'
import { formatTable } from '../table.js'
import { UsageError } from '../usage-error.js'

/** One line of the report. */
interface Step {
  readonly step: string
  readonly status: 'ok' | 'warn' | 'fail'
  readonly detail: string
}

/** The report and its verdict. */
interface Diagnosis {
  readonly steps: Step[]
  /** Nothing answered, or 5xx/429: retry later (exit 3). */
  unreachable: boolean
}

// The verifier's default tolerance: more skew than this refuses fresh tokens or accepts stale ones.
const SKEW_LIMIT_SECONDS = 30

function httpFacts(probe: Probe): string {
  const cache = probe.headers?.get('cache-control')
  return `HTTP ${probe.status ?? '-'} in ${Math.round(probe.ms)} ms${cache == null ? '' : `, Cache-Control ${cache}`}`
}

function describeKey(jwk: Record<string, unknown>): { text: string; problem?: string } {
  const text = (value: unknown, absent: string): string =>
    typeof value === 'string' ? value : absent
  const name = `kid ${text(jwk.kid, '(none)')}: ${text(jwk.kty, '?')} ${text(jwk.alg, '(no alg)')} use ${text(jwk.use, '(any)')}`
  try {
    const key = createPublicKey({ key: jwk as never, format: 'jwk' })
    const bits = key.asymmetricKeyDetails?.modulusLength
    const size = bits === undefined ? (key.asymmetricKeyDetails?.namedCurve ?? '') : `${bits} bits`
    // RFC 7518 §3.3: RSA signing keys of fewer than 2048 bits are refused by the core.
    if (bits !== undefined && bits < 2048)
      return {
        text: `${name}, ${size}`,
        problem: `${String(jwk.kid)} is ${bits}-bit RSA (< 2048): unusable`,
      }
    return { text: `${name}, ${size}` }
  } catch (error) {
    return {
      text: name,
      problem: `${String(jwk.kid)} cannot be imported: ${(error as Error).message}`,
    }
  }
}

function checkClock(probe: Probe, steps: Step[]): void {
  const date = probe.headers?.get('date')
  const server = date == null ? Number.NaN : Date.parse(date)
  if (Number.isNaN(server)) {
    steps.push({
      step: 'clock',
      status: 'warn',
      detail: 'the server sent no Date header: skew unknown',
    })
    return
  }
  // Date has one-second resolution and was stamped somewhere inside the request.
  const skew = (Date.now() - probe.ms / 2 - server) / 1000
  const text = `local clock ${skew >= 0 ? 'ahead of' : 'behind'} the server by ${humanDuration(skew)}`
  steps.push(
    Math.abs(skew) > SKEW_LIMIT_SECONDS
      ? {
          step: 'clock',
          status: 'fail',
          detail: `${text}: more than the ${SKEW_LIMIT_SECONDS} s tolerance; fix NTP`,
        }
      : { step: 'clock', status: 'ok', detail: `${text} (tolerance ${SKEW_LIMIT_SECONDS} s)` },
  )
}

async function diagnose(
  issuer: string,
  jwksUriFlag: string | undefined,
  timeoutMs: number,
): Promise<Diagnosis> {
  const diagnosis: Diagnosis = { steps: [], unreachable: false }
  const { steps } = diagnosis
  let jwksUri = jwksUriFlag
  if (jwksUri === undefined) {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
    const discovery = await probeJson(url, timeoutMs)
    if (discovery.problem !== undefined) {
      diagnosis.unreachable = discovery.retryable
      steps.push({ step: 'discovery', status: 'fail', detail: `GET ${url}: ${discovery.problem}` })
      return diagnosis
    }
    steps.push({ step: 'discovery', status: 'ok', detail: `${url}: ${httpFacts(discovery)}` })
    checkClock(discovery, steps)
    const document = isRecord(discovery.json) ? discovery.json : {}
    if (document.issuer !== issuer) {
      const hint =
        typeof document.issuer === 'string' &&
        document.issuer.replace(/\/+$/, '') === issuer.replace(/\/+$/, '')
          ? " (only a trailing slash differs: configure exactly the document's value)"
          : ' (an issuer_url override? configure jwksUri, or the issuer the tokens carry)'
      steps.push({
        step: 'issuer',
        status: 'fail',
        detail: `document names ${JSON.stringify(document.issuer)}, configured ${JSON.stringify(issuer)}${hint}`,
      })
      return diagnosis
    }
    steps.push({ step: 'issuer', status: 'ok', detail: `document's issuer equals ${issuer}` })
    if (typeof document.jwks_uri !== 'string') {
      steps.push({
        step: 'jwks_uri',
        status: 'fail',
        detail: 'the discovery document has no jwks_uri',
      })
      return diagnosis
    }
    jwksUri = document.jwks_uri
  }
  const keys = await probeJson(jwksUri, timeoutMs)
  if (keys.problem !== undefined) {
    diagnosis.unreachable = keys.retryable
    steps.push({ step: 'key set', status: 'fail', detail: `GET ${jwksUri}: ${keys.problem}` })
    return diagnosis
  }
  const list = isRecord(keys.json) && Array.isArray(keys.json.keys) ? keys.json.keys : undefined
  if (list === undefined) {
    steps.push({
      step: 'key set',
      status: 'fail',
      detail: `${jwksUri}: JSON without a "keys" array`,
    })
    return diagnosis
  }
  steps.push({
    step: 'key set',
    status: 'ok',
    detail: `${jwksUri}: ${httpFacts(keys)}, ${list.length} key${list.length === 1 ? '' : 's'}`,
  })
  if (jwksUriFlag !== undefined) checkClock(keys, steps)
  let usable = 0
  for (const jwk of list) {
    if (!isRecord(jwk)) continue
    const { text, problem } = describeKey(jwk)
    if (problem === undefined && jwk.kty === 'RSA' && (jwk.use === undefined || jwk.use === 'sig'))
      usable += 1
    steps.push({
      step: 'key',
      status: problem === undefined ? 'ok' : 'warn',
      detail: problem ?? text,
    })
  }
  if (usable === 0)
    steps.push({
      step: 'keys',
      status: 'fail',
      detail: 'no usable RSA signing key: every token would be refused',
    })
  return diagnosis
}

async function verifierReady(
  issuer: string,
  jwksUri: string | undefined,
  timeout: number,
): Promise<Step> {
  const verifier = createVerifier({
    audience: 'urn:gitlab-id-token:cli:doctor',
    issuer: jwksUri === undefined ? issuer : { issuer, jwksUri },
    policy: { allow: [{ match: { project_id: '0' } }] },
    jwks: { timeout: timeout / 1000 },
  })
  try {
    await verifier.ready()
    const health = verifier.health()[0]
    return {
      step: 'verifier',
      status: 'ok',
      detail: `the core verifier loaded ${health?.kids.length ?? 0} usable key(s): ${health?.kids.join(', ') ?? ''}`,
    }
  } catch (error) {
    return {
      step: 'verifier',
      status: 'fail',
      detail: `the core verifier cannot load the keys: ${(error as Error).message}`,
    }
  }
}

function mark(status: Step['status'], s: Style): string {
  return status === 'ok'
    ? s.green('✓ ok')
    : status === 'warn'
      ? s.yellow('! warn')
      : s.red('✗ fail')
}

async function run(context: CommandContext): Promise<number> {
  const { out, io } = context
  const issuer = stringFlag(context, 'issuer') ?? io.env.GITLAB_ID_TOKEN_ISSUER ?? DEFAULT_ISSUER
  if (!/^https?:\/\//.test(issuer)) throw new UsageError(`--issuer ${issuer} is not a URL`)
  const jwksUri = stringFlag(context, 'jwks-uri')
  const timeoutFlag = stringFlag(context, 'timeout')
  const timeoutMs = timeoutFlag === undefined ? 5000 : Number(timeoutFlag) * 1000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--timeout is a number of seconds')
  const diagnosis = await diagnose(issuer, jwksUri, timeoutMs)
  const failed = diagnosis.steps.some((step) => step.status === 'fail')
  if (!failed) diagnosis.steps.push(await verifierReady(issuer, jwksUri, timeoutMs))
  const broken = diagnosis.steps.some((step) => step.status === 'fail')
  const exit = !broken ? EXIT.ok : diagnosis.unreachable ? EXIT.unavailable : EXIT.problems
  const code = !broken
    ? null
    : diagnosis.unreachable
      ? 'ERR_JWKS_UNAVAILABLE'
      : 'ERR_ISSUER_MISCONFIGURED'
  if (out.json) {
    out.document('doctor', { ok: !broken, code, issuer, steps: diagnosis.steps })
    return exit
  }
  const s = out.style
  out.line(
    formatTable(
      ['step', 'result', 'detail'],
      diagnosis.steps.map((step) => [step.step, mark(step.status, s), step.detail]),
    ),
  )
  out.line()
  out.line(
    !broken
      ? s.green(`✓ ${issuer}: tokens can be verified`)
      : diagnosis.unreachable
        ? s.red(`✗ ${issuer}: unreachable (retry later; exit 3)`)
        : s.red(`✗ ${issuer}: misconfigured or broken (see above; exit 1)`),
  )
  return exit
}

/** `doctor [--issuer I]`. */
export const doctor: Command = {
  name: 'doctor',
  usage: 'doctor [--issuer URL] [--jwks-uri URL] [--timeout SECONDS] [--json]',
  description:
    "Reaches the issuer as the verifier would (no redirects, a timeout): the discovery document and its latency and Cache-Control, that its issuer equals the configured one exactly, the key set with each key's kid, type, algorithm and size, the clock skew against the server's Date header, and finally whether the core verifier loads the keys. Exit 0 when tokens can be verified, 3 when the issuer is unreachable or answers 5xx/429 (retry), 1 when it answers but something is wrong (wrong issuer, not JSON, no usable key).",
  flags: {
    issuer: {
      type: 'string',
      value: 'URL',
      help: `the issuer (default $GITLAB_ID_TOKEN_ISSUER, else ${DEFAULT_ISSUER})`,
    },
    'jwks-uri': { type: 'string', value: 'URL', help: 'skip discovery and fetch this key set' },
    timeout: { type: 'string', value: 'SECONDS', help: 'per request (default 5)' },
  },
  examples: ['gitlab-id-token doctor --issuer https://gitlab.example.com'],
  maxPositionals: 0,
  run,
}

/**
 * The key-set fault rig: one mock issuer on a hand-driven clock, a fresh verifier per case with a
 * recording `fetch`, and a table of figures (answer, fetch counts, recovery) that SECURITY.md
 * reports. Set `SECURITY_FIGURES=1` to print the table after the suite.
 */

import {
  createVerifier,
  isGitlabIdTokenError,
  type GitlabIdTokenError,
  type JwksOptions,
  type Policy,
  type Verifier,
  type VerifierOptions,
  type VerifyResult,
} from '@gitlab-id-token/core'
import type { MockGitlab } from '@gitlab-id-token/testing'
import type { TestClock } from './clock.js'

export const FAULT_AUDIENCE = 'https://faults.example.com'

export const faultPolicy: Policy = {
  allow: [{ name: 'widget', match: { project_path: 'acme/widget' }, grants: ['deploy'] }],
}

/** The outcome of one `verify`: `'ok'`, or our error (anything else is rethrown). */
export type Outcome = 'ok' | GitlabIdTokenError

export async function outcome(promise: Promise<VerifyResult>): Promise<Outcome> {
  try {
    await promise
    return 'ok'
  } catch (error) {
    if (isGitlabIdTokenError(error)) return error
    throw error
  }
}

/** `'ok'` or the error's code, for compact assertions. */
export const codeOf = (result: Outcome): string => (result === 'ok' ? 'ok' : result.code)

export interface Rig {
  readonly verifier: Verifier
  /** Every URL the verifier fetched, in order. */
  readonly urls: readonly string[]
  /** A valid acme/widget token signed with the mock's current CI key at the clock's time. */
  token(): string
  verify(token?: string): Promise<Outcome>
}

export interface RigOptions {
  readonly jwks?: JwksOptions
  readonly issuer?: VerifierOptions['issuer']
}

export function createRig(gitlab: MockGitlab, clock: TestClock, options: RigOptions = {}): Rig {
  const urls: string[] = []
  const recordingFetch: typeof fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input))
    return fetch(input, init)
  }
  const verifier = createVerifier({
    issuer: options.issuer ?? gitlab.issuer,
    audience: FAULT_AUDIENCE,
    policy: faultPolicy,
    now: clock.now,
    fetch: recordingFetch,
    jwks: { timeout: 0.3, ...options.jwks },
  })
  const token = (): string => gitlab.mint({ aud: FAULT_AUDIENCE, project_path: 'acme/widget' })
  return {
    verifier,
    urls,
    token,
    verify: (value) => outcome(verifier.verify(value ?? token())),
  }
}

export interface FaultFigure {
  readonly fault: string
  readonly answer: string
  readonly duringFault: string
  readonly recovery: string
}

export const figures: FaultFigure[] = []

/** `discovery N, jwks M` from the mock's counters. */
export function fetchCounts(gitlab: MockGitlab): string {
  return `discovery ${gitlab.requests.discovery}, key set ${gitlab.requests.jwks}`
}

export function printFigures(): void {
  if (process.env.SECURITY_FIGURES === undefined) return
  const rows = figures.map((f) => `| ${f.fault} | ${f.answer} | ${f.duringFault} | ${f.recovery} |`)
  console.log(
    [
      '| fault | answer | fetches during the fault | recovery (after the cooldown, good response) |',
      '|---|---|---|---|',
      ...rows,
    ].join('\n'),
  )
}

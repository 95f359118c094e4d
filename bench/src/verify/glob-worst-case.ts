/**
 * Issue 8, medium 1: the worst-case glob row. A rule pins `project_id` and then matches
 * `environment` against `review/*-*-*-*-*`; the value is the crafted 250-character environment
 * (`review/` + 250 dashes + `/`) that stalled the old backtracking `RegExp` for ~10 s. Measures
 * `compilePolicy(...).decide()` alone, for an outsider (another project: the pin fails, the glob
 * never runs) and for an insider (the pin holds, the glob runs and fails). The issue asks for
 * "well under a millisecond" for both.
 *
 * Not wired into `main.ts` here (the bench owner does that): call {@link runGlobWorstCase} and
 * print its rows, or run this file with `tsx bench/src/verify/glob-worst-case.ts`.
 */

import { pathToFileURL } from 'node:url'
import { compilePolicy, type GitlabIdTokenClaims } from '@gitlab-id-token/core'

export const WORST_CASE_GLOB = 'review/*-*-*-*-*'
export const WORST_CASE_ENVIRONMENT = `review/${'-'.repeat(250)}/`

export interface GlobWorstCaseRow {
  readonly id: 'glob-worst-outsider' | 'glob-worst-insider'
  readonly label: string
  readonly iterations: number
  /** Nanoseconds per `decide()`. */
  readonly medianNs: number
  readonly p99Ns: number
  readonly maxNs: number
  /** The decision was a refusal, as it must be (a correctness check of every measured call). */
  readonly refused: boolean
}

export interface GlobWorstCaseOptions {
  /** Measured calls per row. Default 2,000 (after 200 warm-up calls). */
  readonly iterations?: number
}

const claimsOf = (projectId: string): GitlabIdTokenClaims =>
  ({
    iss: 'https://gitlab.example.com',
    sub: 'project_path:acme/widget:ref_type:branch:ref:main',
    aud: 'https://review.example.com',
    project_id: projectId,
    project_path: 'acme/widget',
    namespace_id: '7',
    namespace_path: 'acme',
    ref: 'main',
    ref_protected: 'true',
    environment: WORST_CASE_ENVIRONMENT,
  }) as unknown as GitlabIdTokenClaims

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

/**
 * Runs both rows and returns their figures.
 *
 * @param options - `iterations` (default 2,000).
 * @returns one row for the outsider, one for the insider.
 *
 * @example
 * ```ts
 * for (const row of await runGlobWorstCase()) console.log(row.label, row.p99Ns / 1000, 'µs')
 * ```
 */
export async function runGlobWorstCase(
  options: GlobWorstCaseOptions = {},
): Promise<readonly GlobWorstCaseRow[]> {
  const iterations = options.iterations ?? 2000
  const policy = compilePolicy({
    allow: [
      {
        name: 'review',
        match: { project_id: '42', environment: { glob: WORST_CASE_GLOB } },
        grants: ['review'],
      },
    ],
  })
  const cases = [
    {
      id: 'glob-worst-outsider',
      label: 'worst-case glob, outsider (pin fails)',
      claims: claimsOf('7'),
    },
    {
      id: 'glob-worst-insider',
      label: 'worst-case glob, insider (glob runs)',
      claims: claimsOf('42'),
    },
  ] as const
  return cases.map(({ id, label, claims }) => {
    let refused = true
    for (let i = 0; i < 200; i++) refused &&= !policy.decide(claims).allowed
    const samples: number[] = []
    for (let i = 0; i < iterations; i++) {
      const start = process.hrtime.bigint()
      const decision = policy.decide(claims)
      samples.push(Number(process.hrtime.bigint() - start))
      refused &&= !decision.allowed
    }
    samples.sort((a, b) => a - b)
    return {
      id,
      label,
      iterations,
      medianNs: percentile(samples, 0.5),
      p99Ns: percentile(samples, 0.99),
      maxNs: samples[samples.length - 1] ?? 0,
      refused,
    }
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await runGlobWorstCase()) {
    const us = (ns: number): string => (ns / 1000).toFixed(1)
    process.stdout.write(
      `${row.label}: median ${us(row.medianNs)} µs, p99 ${us(row.p99Ns)} µs, max ${us(row.maxNs)} µs` +
        `${row.refused ? '' : ' (NOT REFUSED: bug)'}\n`,
    )
  }
}

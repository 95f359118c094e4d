/**
 * The probes of section (b): before any load, each server must answer a valid token with 200, no
 * credentials and a tampered token with 401, and a validly signed token of another project with
 * 403. Ours must also send RFC 6750 challenges (bare for no credentials, `error=` otherwise).
 */

import type { BenchTokens } from '../fixtures/bench-issuer.js'
import type { HttpVariant } from './variants.js'

/** The tokens the probes and the load need. */
export type HttpTokens = Pick<BenchTokens, 'pool' | 'single' | 'tamperedSignature' | 'otherProject'>

/** One probe's answer and whether it was the expected one. */
export interface ProbeResult {
  readonly variant: string
  readonly probe: string
  readonly status: number
  readonly wwwAuthenticate: string | null
  readonly expected: string
  readonly ok: boolean
}

/** `Bearer <token>` (RFC 6750 §2.1). */
export const authHeader = (token: string): string => `Bearer ${token}`

async function probe(
  url: string,
  authorization: string | undefined,
): Promise<{ status: number; www: string | null }> {
  const res = await fetch(url, {
    headers: authorization === undefined ? {} : { authorization },
    signal: AbortSignal.timeout(10_000),
  })
  await res.arrayBuffer()
  return { status: res.status, www: res.headers.get('www-authenticate') }
}

/**
 * Sends the probes to one server, one at a time, and records each answer.
 *
 * @example
 * ```ts
 * for (const p of await runProbes(variant, url, tokens)) if (!p.ok) fail(p)
 * ```
 */
export async function runProbes(
  variant: HttpVariant,
  url: string,
  tokens: HttpTokens,
): Promise<ProbeResult[]> {
  const ours = variant.kind === 'ours'
  const checks: {
    probe: string
    auth: string | undefined
    expected: string
    ok: (s: number, w: string | null) => boolean
  }[] = [
    {
      probe: 'valid token',
      auth: authHeader(tokens.single),
      expected: '200',
      ok: (s) => s === 200,
    },
  ]
  if (variant.kind !== 'bare') {
    checks.push(
      {
        probe: 'no Authorization',
        auth: undefined,
        expected: ours ? '401, bare Bearer challenge' : '401',
        ok: (s, w) =>
          s === 401 && (!ours || (w !== null && /^Bearer\b/i.test(w) && !w.includes('error='))),
      },
      {
        probe: 'tampered signature',
        auth: authHeader(tokens.tamperedSignature),
        expected: ours ? '401, error="invalid_token"' : '401',
        ok: (s, w) => s === 401 && (!ours || (w ?? '').includes('error="invalid_token"')),
      },
      {
        probe: 'other project (validly signed)',
        auth: authHeader(tokens.otherProject),
        expected: ours ? '403, error="insufficient_scope"' : '403',
        ok: (s, w) => s === 403 && (!ours || (w ?? '').includes('error="insufficient_scope"')),
      },
      {
        probe: 'Basic scheme',
        auth: 'Basic dXNlcjpwYXNz',
        expected: ours ? '401, bare Bearer challenge' : 'any 4xx (recorded only)',
        ok: (s, w) =>
          ours ? s === 401 && w !== null && !w.includes('error=') : s >= 400 && s < 500,
      },
    )
  }
  const results: ProbeResult[] = []
  for (const c of checks) {
    const { status, www } = await probe(url, c.auth)
    results.push({
      variant: variant.id,
      probe: c.probe,
      status,
      wwwAuthenticate: www,
      expected: c.expected,
      ok: c.ok(status, www),
    })
  }
  return results
}

/**
 * Our in-process cases: the `crypto` modes side by side at 1, 4, 16 and 64 verifications in
 * flight (result cache off, so every call checks a signature), and the result cache on with
 * distinct and with repeated tokens.
 */

import type { CryptoMode, VerifierOptions } from '@gitlab-id-token/core'
import { benchPolicy } from '../fixtures/policy.js'
import type { VerifyCase, VerifyInput } from './cases.js'
import { expectRejected, pinned, standardCheck } from './checks.js'

/** The in-flight counts of the `crypto` matrix (issue 11: 1/4/16/64). */
export const IN_FLIGHT = [1, 4, 16, 64] as const
/** The `crypto` option's values, side by side. */
export const CRYPTO_MODES: readonly CryptoMode[] = ['sync', 'threadpool', 'auto']

interface OursCaseOptions {
  readonly id: string
  readonly label: string
  readonly tokens: 'distinct' | 'repeated'
  readonly inFlight: number
  readonly group: VerifyCase['group']
  readonly crypto?: CryptoMode
  readonly cache?: false
}

function oursCase(o: OursCaseOptions): VerifyCase {
  const needsCryptoOption = o.crypto !== undefined && o.crypto !== 'sync'
  return {
    id: o.id,
    label: o.label,
    drive: 'async',
    inFlight: o.inFlight,
    tokens: o.tokens,
    group: o.group,
    needsCryptoOption,
    async prepare(input: VerifyInput) {
      const { createVerifier } = await import('@gitlab-id-token/core')
      const options: VerifierOptions = {
        audience: input.audience,
        issuer: input.issuer,
        policy: benchPolicy(input),
        // `sync` is the core's default: an older core without the option still runs that row.
        ...(o.crypto === undefined || !input.cryptoModes ? {} : { crypto: o.crypto }),
        ...(o.cache === undefined ? {} : { cache: o.cache }),
      }
      const verifier = createVerifier(options)
      const verifyOne = async (token: string) =>
        pinned(input, (await verifier.verify(token)).claims)
      const { pool, single } = input
      const n = pool.length
      return {
        check: async () => {
          await standardCheck(o.id, verifyOne, input, 'ERR_SIGNATURE_INVALID')
          await expectRejected(
            `${o.id} (other project)`,
            () => verifier.verify(input.otherProject),
            'ERR_POLICY_DENIED',
          )
        },
        op:
          o.tokens === 'repeated'
            ? () => verifier.verify(single)
            : (i) => verifier.verify(pool[i % n]),
      }
    },
  }
}

/** Every mode at every in-flight count, distinct tokens, `cache: false`. */
export const CRYPTO_CASES: readonly VerifyCase[] = CRYPTO_MODES.flatMap((crypto) =>
  IN_FLIGHT.map((inFlight) =>
    oursCase({
      id: `ours-${crypto}-${inFlight}`,
      label: `ours, \`crypto: '${crypto}'\`, distinct tokens, \`cache: false\``,
      tokens: 'distinct',
      inFlight,
      group: 'crypto',
      crypto,
      cache: false,
    }),
  ),
)

/** The result cache at its default: distinct tokens (must cost nothing) and one repeated token. */
export const CACHE_CASES: readonly VerifyCase[] = [
  oursCase({
    id: 'ours-cache-distinct',
    label: 'ours, default result cache, distinct tokens (every token new)',
    tokens: 'distinct',
    inFlight: 1,
    group: 'baseline',
  }),
  oursCase({
    id: 'ours-repeated',
    label: 'ours, default result cache, the same token repeated',
    tokens: 'repeated',
    inFlight: 1,
    group: 'baseline',
  }),
]

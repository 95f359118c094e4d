import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { resolveAlgorithms } from '../src/algorithms.js'
import type { DecodedToken } from '../src/decode.js'
import { importKeySet, type KeyEntry } from '../src/key-set.js'
import { verifySignature, verifySignatureAsync } from '../src/signature.js'

const algorithms = resolveAlgorithms(['RS256', 'PS256', 'ES256'])
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const N = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551')

async function keysOf(publicKey: KeyObject, kid: string): Promise<readonly KeyEntry[]> {
  const set = await importKeySet(
    { keys: [{ ...publicKey.export({ format: 'jwk' }), kid }] },
    algorithms,
  )
  return set.get(kid) ?? []
}

function decoded(alg: string, signer: (input: Buffer) => Buffer): DecodedToken {
  const signingInput = `${Buffer.from(JSON.stringify({ alg, kid: 'k' })).toString('base64url')}.e30`
  return {
    header: { alg, kid: 'k' },
    payload: {},
    signingInput,
    signature: signer(Buffer.from(signingInput)),
  }
}
const withSignature = (token: DecodedToken, signature: Buffer): DecodedToken => ({
  ...token,
  signature,
})

/** Both variants, with their outcome as a code or 'ok'. */
async function outcomes(token: DecodedToken, alg: string, keys: readonly KeyEntry[]) {
  const spec = algorithms.get(alg)
  if (spec === undefined) throw new Error(alg)
  const code = (error: unknown) => (error as { code?: string }).code
  let sync: string | undefined
  try {
    verifySignature(token, spec, keys)
    sync = 'ok'
  } catch (error) {
    sync = code(error)
  }
  const pool = await verifySignatureAsync(token, spec, keys).then(() => 'ok', code)
  return [sync, pool]
}

describe('verifySignature / verifySignatureAsync', () => {
  it('accept a valid RS256 signature and refuse a flipped bit, both with the same codes', async () => {
    const keys = await keysOf(rsa.publicKey, 'k')
    const token = decoded('RS256', (input) => sign('sha256', input, rsa.privateKey))
    expect(await outcomes(token, 'RS256', keys)).toEqual(['ok', 'ok'])
    const flipped = Buffer.from(token.signature)
    flipped[10] = (flipped[10] ?? 0) ^ 1
    expect(await outcomes(withSignature(token, flipped), 'RS256', keys)).toEqual([
      'ERR_SIGNATURE_INVALID',
      'ERR_SIGNATURE_INVALID',
    ])
  })

  it('answer ERR_KEY_NOT_FOUND when no candidate fits the algorithm, with the kid in details', async () => {
    const keys = await keysOf(ec.publicKey, 'k')
    const token = decoded('RS256', (input) => sign('sha256', input, rsa.privateKey))
    expect(await outcomes(token, 'RS256', keys)).toEqual(['ERR_KEY_NOT_FOUND', 'ERR_KEY_NOT_FOUND'])
    const spec = algorithms.get('RS256')
    if (spec === undefined) throw new Error('RS256')
    expect(() => verifySignature(token, spec, keys)).toThrow(
      expect.objectContaining({ details: { kid: 'k', knownKids: ['k'] } }) as Error,
    )
  })

  it('refuse a PS256 signature that is not exactly the modulus length', async () => {
    const keys = await keysOf(rsa.publicKey, 'k')
    let token: DecodedToken | undefined
    for (let i = 0; i < 20_000 && token === undefined; i += 1) {
      const candidate = decoded('PS256', (input) =>
        sign('sha256', input, {
          key: rsa.privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        }),
      )
      if (candidate.signature[0] === 0) token = candidate
    }
    if (token === undefined) throw new Error('no PSS signature with a leading zero byte')
    expect(await outcomes(token, 'PS256', keys)).toEqual(['ok', 'ok'])
    const stripped = withSignature(token, token.signature.subarray(1))
    expect(await outcomes(stripped, 'PS256', keys)).toEqual([
      'ERR_SIGNATURE_INVALID',
      'ERR_SIGNATURE_INVALID',
    ])
  })

  it('accept low-S ECDSA only: the (r, n − s) twin is refused', async () => {
    const keys = await keysOf(ec.publicKey, 'k')
    const signer = (input: Buffer) =>
      sign('sha256', input, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' })
    let low: DecodedToken | undefined
    for (let i = 0; i < 200 && low === undefined; i += 1) {
      const candidate = decoded('ES256', signer)
      if (BigInt(`0x${candidate.signature.subarray(32).toString('hex')}`) <= N / 2n) low = candidate
    }
    if (low === undefined) throw new Error('no low-S signature')
    expect(await outcomes(low, 'ES256', keys)).toEqual(['ok', 'ok'])
    const s = BigInt(`0x${low.signature.subarray(32).toString('hex')}`)
    const twin = Buffer.concat([
      low.signature.subarray(0, 32),
      Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'),
    ])
    expect(await outcomes(withSignature(low, twin), 'ES256', keys)).toEqual([
      'ERR_SIGNATURE_INVALID',
      'ERR_SIGNATURE_INVALID',
    ])
    const der = sign('sha256', Buffer.from(low.signingInput), ec.privateKey)
    expect(await outcomes(withSignature(low, der), 'ES256', keys)).toEqual([
      'ERR_SIGNATURE_INVALID',
      'ERR_SIGNATURE_INVALID',
    ])
  })
})

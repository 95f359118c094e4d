/**
 * The mock issuer's keys on disk: `mock-issuer --keys-out` writes them, `mint --keys` signs with
 * them. Only ever a mock's keys: the file is made by this CLI, never imported from a real GitLab.
 *
 * @module
 */

import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { signingKeyFromPrivateKey, type SigningKey } from '@gitlab-id-token/testing'
import { isRecord } from './read-document.js'
import { UsageError } from './usage-error.js'

/** What the keys file names: the issuer and its two signing keys. */
export interface MockKeys {
  readonly issuer: string
  readonly ciKey: SigningKey
  readonly userKey: SigningKey
}

// A marker so `mint --keys` refuses anything this CLI did not write (a real key, a JWKS, …).
const KIND = 'gitlab-id-token-mock-keys'

const exportKey = (key: SigningKey) => ({
  kid: key.kid,
  privateKey: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
})

/**
 * Writes `keys` to `path`, readable by the owner only (a private key, even a mock's).
 *
 * @example
 * ```ts
 * await writeMockKeys('mock-keys.json', { issuer: gitlab.issuer, ciKey: gitlab.ciKey, userKey: gitlab.userKey }, cwd)
 * ```
 */
export async function writeMockKeys(path: string, keys: MockKeys, cwd: string): Promise<void> {
  const document = {
    kind: KIND,
    version: 1,
    issuer: keys.issuer,
    ciKey: exportKey(keys.ciKey),
    userKey: exportKey(keys.userKey),
  }
  await writeFile(resolve(cwd, path), `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 })
}

function importKey(value: unknown, path: string): SigningKey {
  if (!isRecord(value) || typeof value.privateKey !== 'string' || typeof value.kid !== 'string') {
    throw new UsageError(
      `${path}: not a keys file written by gitlab-id-token mock-issuer --keys-out`,
    )
  }
  return signingKeyFromPrivateKey(value.privateKey, { kid: value.kid })
}

/**
 * Reads a keys file written by {@link writeMockKeys}.
 *
 * @example
 * ```ts
 * const { issuer, ciKey } = await readMockKeys('mock-keys.json', cwd)
 * ```
 */
export async function readMockKeys(path: string, cwd: string): Promise<MockKeys> {
  let document: unknown
  try {
    document = JSON.parse(await readFile(resolve(cwd, path), 'utf8'))
  } catch (error) {
    throw new UsageError(
      `cannot read keys file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
  if (!isRecord(document) || document.kind !== KIND || typeof document.issuer !== 'string') {
    throw new UsageError(
      `${path}: not a keys file written by gitlab-id-token mock-issuer --keys-out`,
      "mint signs only with a mock issuer's keys",
    )
  }
  return {
    issuer: document.issuer,
    ciKey: importKey(document.ciKey, path),
    userKey: importKey(document.userKey, path),
  }
}

/**
 * A minimal DER encoder for one self-signed X.509 certificate (RFC 5280 §4.1), enough to put a
 * real attacker-controlled chain in a token's `x5c` header. Node can parse certificates but not
 * create them, and a test dependency for this alone is not worth it.
 */

import { sign, X509Certificate, type KeyObject } from 'node:crypto'

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content])
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items))
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items))

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number)
  const bytes = [first * 40 + second]
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f]
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString() // 2024-01-02T03:04:05.000Z → 240102030405Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
  return tlv(0x17, Buffer.from(text, 'ascii'))
}

const name = (commonName: string): Buffer =>
  sequence(set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))))

// sha256WithRSAEncryption (RFC 4055 §5), parameters NULL.
const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]))

/**
 * A v1 self-signed certificate for an RSA key pair, as DER. `new X509Certificate(der)` parses it
 * and `verify(its own public key)` is true, so it is a genuine (if untrusted) chain of one.
 */
export function selfSignedCertificate(
  privateKey: KeyObject,
  publicKey: KeyObject,
  commonName: string,
): Buffer {
  const now = Date.now()
  const tbs = sequence(
    tlv(0x02, Buffer.from([0x01, 0x23, 0x45])),
    SHA256_WITH_RSA,
    name(commonName),
    sequence(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 86_400_000 * 365))),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
  )
  const signature = sign('sha256', tbs, privateKey)
  const der = sequence(
    tbs,
    SHA256_WITH_RSA,
    tlv(0x03, Buffer.concat([Buffer.from([0]), signature])),
  )
  const parsed = new X509Certificate(der)
  if (!parsed.verify(publicKey)) throw new Error('self-signed certificate does not verify')
  return der
}

/**
 * `gitlab-id-token mock-issuer`: a local mock GitLab (the testing package's) for developing
 * against, printing `GITLAB_ID_TOKEN_ISSUER=…`.
 *
 * @module
 */

import {
  createMockGitlab,
  type DiscoveryMode,
  type EndpointMode,
  type MockGitlab,
} from '@gitlab-id-token/testing'
import type { Command, CommandContext } from '../command.js'
import { stringFlag } from '../command.js'
import { EXIT } from '../exit-codes.js'
import { readMockKeys, writeMockKeys } from '../keys-file.js'
import { UsageError } from '../usage-error.js'

const FAULTS: readonly (EndpointMode | 'wrong-issuer')[] = [
  'ok',
  'error',
  'hang',
  'garbage',
  'redirect',
  'huge',
  'truncated',
  'wrong-shape',
  'not-found',
  'rate-limited',
  'wrong-issuer',
]

function portFlag(context: CommandContext): number | undefined {
  const value = stringFlag(context, 'port')
  if (value === undefined) return undefined
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--port ${value} is not a port number (1-65535)`)
  }
  return port
}

/**
 * Applies a fault mode: `wrong-issuer` to discovery only, every other mode to both endpoints.
 *
 * @example
 * ```ts
 * applyFault(gitlab, 'garbage')
 * ```
 */
export function applyFault(gitlab: MockGitlab, fault: string): void {
  if (!(FAULTS as readonly string[]).includes(fault)) {
    throw new UsageError(`--fault ${fault} is not a fault mode`, `modes: ${FAULTS.join(', ')}`)
  }
  gitlab.setDiscoveryResponse(fault as DiscoveryMode)
  if (fault !== 'wrong-issuer') gitlab.setKeySetResponse(fault as EndpointMode)
}

async function run(context: CommandContext): Promise<number> {
  const { out, io } = context
  const keysIn = stringFlag(context, 'keys')
  const keysOut = stringFlag(context, 'keys-out')
  const fault = stringFlag(context, 'fault')
  const reused = keysIn === undefined ? undefined : await readMockKeys(keysIn, io.cwd)
  // Reusing a keys file keeps its issuer, so tokens minted before a restart still verify.
  const port =
    portFlag(context) ??
    (reused === undefined ? undefined : Number(new URL(reused.issuer).port) || undefined)
  const audience = stringFlag(context, 'audience')
  let gitlab: MockGitlab
  try {
    gitlab = await createMockGitlab({
      ...(port === undefined ? {} : { port }),
      ...(reused === undefined ? {} : { ciKey: reused.ciKey, userKey: reused.userKey }),
      ...(audience === undefined ? {} : { audience }),
    })
  } catch (error) {
    throw new UsageError(
      `cannot start the mock: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
  try {
    if (fault !== undefined) applyFault(gitlab, fault)
    const keysFile = keysOut ?? keysIn
    if (keysFile !== undefined) {
      await writeMockKeys(
        keysFile,
        { issuer: gitlab.issuer, ciKey: gitlab.ciKey, userKey: gitlab.userKey },
        io.cwd,
      )
    }
    if (out.json) {
      out.document('mock-issuer', {
        ok: true,
        issuer: gitlab.issuer,
        discoveryUrl: gitlab.discoveryUrl,
        jwksUri: gitlab.jwksUri,
        kid: gitlab.ciKey.kid,
        keysFile: keysFile ?? null,
        fault: fault ?? 'ok',
      })
    } else {
      // stdout is exactly the env line, so `eval "$(… | head -1)"` and scripts can read it.
      out.line(`GITLAB_ID_TOKEN_ISSUER=${gitlab.issuer}`)
      out.warn(
        `mock GitLab on ${gitlab.issuer} (discovery ${gitlab.discoveryUrl}, keys ${gitlab.jwksUri})`,
      )
      out.warn(
        `CI key kid ${gitlab.ciKey.kid}${keysFile === undefined ? '' : `, keys in ${keysFile} (mint --keys ${keysFile})`}${fault === undefined ? '' : `, fault: ${fault}`}`,
      )
      out.warn('Ctrl-C to stop')
    }
    await io.untilStopped()
    return EXIT.ok
  } finally {
    await gitlab.close()
  }
}

/** `mock-issuer [--port N] [--keys-out FILE]`. */
export const mockIssuer: Command = {
  name: 'mock-issuer',
  usage: 'mock-issuer [--port N] [--keys-out FILE | --keys FILE] [--fault MODE] [--json]',
  description:
    "Starts the testing package's mock GitLab on 127.0.0.1: GitLab's discovery document and key set, with its headers and key shapes. Prints GITLAB_ID_TOKEN_ISSUER=… on stdout (everything else goes to stderr) and runs until Ctrl-C. --keys-out writes its signing keys for `mint --keys`; --keys reuses such a file (same kid and issuer across restarts). --fault makes discovery and the key set misbehave (error, hang, garbage, wrong-issuer, rate-limited, …) to try a service's failure handling.",
  flags: {
    port: { type: 'string', value: 'N', help: 'listen on this port (default: a free one)' },
    'keys-out': {
      type: 'string',
      value: 'FILE',
      help: 'write the signing keys here (mode 600) for mint --keys',
    },
    keys: { type: 'string', value: 'FILE', help: 'reuse the keys and issuer of a --keys-out file' },
    fault: {
      type: 'string',
      value: 'MODE',
      help: `answer discovery and keys with a fault: ${FAULTS.join(', ')}`,
    },
    audience: { type: 'string', value: 'AUD', help: 'the aud of minted tokens that name none' },
  },
  examples: ['gitlab-id-token mock-issuer --port 8080 --keys-out mock-keys.json'],
  maxPositionals: 0,
  run,
}

/**
 * A real terminal session under tmux: on a TTY the CLI colours its output and warns about a token
 * given on the command line; NO_COLOR turns the colour off.
 */

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createMockGitlab } from '@gitlab-id-token/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CLI_COMMAND, ROOT } from './support.js'

// Every test starts real subprocesses (each ~0.3 s of TypeScript loading, more on a busy machine).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 })

const run = promisify(execFile)
// A private tmux server (-L), so the test never touches anyone's sessions.
const SOCKET = `gitlab-id-token-cli-${process.pid}`
const SESSION = 'cli'
const tmux = (...args: string[]) => run('tmux', ['-L', SOCKET, ...args], { cwd: ROOT })

let token: string

beforeAll(async () => {
  const gitlab = await createMockGitlab()
  token = gitlab.mint({ project_path: 'acme/widget' })
  await gitlab.close()
  await tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    SESSION,
    '-x',
    '220',
    '-y',
    '60',
    'env -u NO_COLOR -u FORCE_COLOR TERM=xterm-256color PS1=READY\\$\\  bash --norc --noprofile',
  )
  // Keys sent before the shell shows its prompt can be lost.
  for (let attempt = 0; attempt < 100; attempt++) {
    const { stdout } = await tmux('capture-pane', '-p', '-t', SESSION)
    if (stdout.includes('READY')) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the shell in tmux did not start')
}, 30_000)
afterAll(async () => {
  await tmux('kill-server').catch(() => {})
})

// eslint-disable-next-line no-control-regex -- tmux's own attribute resets, as captured with -e
const ANSI = /\u001b\[[0-9;]*m/g

// Types `command` and returns what it printed, escape sequences included: the pane from the
// marker line its first `echo` prints (the typed line holds the marker too, followed by `;`).
async function typeAndWait(command: string, marker: string): Promise<string> {
  await tmux(
    'send-keys',
    '-t',
    SESSION,
    `echo ${marker}-START; ${command}; echo ${marker}-$?`,
    'Enter',
  )
  let pane = ''
  for (let attempt = 0; attempt < 300; attempt++) {
    pane = (await tmux('capture-pane', '-p', '-e', '-J', '-S', '-', '-t', SESSION)).stdout
    if (new RegExp(`^${marker}-\\d+$`, 'm').test(pane.replace(ANSI, ''))) {
      return pane.slice(pane.lastIndexOf(`${marker}-START\n`))
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${marker} did not finish:\n${pane.split(token).join('<token>')}`)
}

describe('on a TTY', () => {
  it('colours the output and warns about a bare token argument; NO_COLOR turns colour off', async () => {
    const coloured = await typeAndWait(`${CLI_COMMAND} inspect ${token}`, 'DONE-A')
    expect(coloured).toMatch(
      /warning: a token on the command line is visible in ps and shell history/,
    )
    // eslint-disable-next-line no-control-regex -- the escape sequence is what this asserts
    expect(coloured).toMatch(/\u001b\[[0-9;]*m.*NOT VERIFIED/)
    expect(coloured.replace(ANSI, '')).toMatch(/^DONE-A-0$/m)

    const plain = await typeAndWait(
      `printf '%s' ${token} | NO_COLOR=1 ${CLI_COMMAND} inspect`,
      'DONE-B',
    )
    expect(plain).toContain('NOT VERIFIED: decoded only')
    // tmux itself writes attribute resets (0m, 39m, 49m) at line starts; the CLI writes none.
    // eslint-disable-next-line no-control-regex -- the escape sequences this asserts are absent
    expect(plain).not.toMatch(/\u001b\[(3[0-8]|1|2|7)m/)
    // Piped stdin: no bare-argument warning, and the token never appears in the output.
    expect(plain).not.toContain('visible in ps')
    expect(plain.split('\n').slice(1).join('\n')).not.toContain(token.split('.')[2])
  }, 90_000)
})

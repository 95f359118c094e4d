/**
 * examples/fleet runs as its README says: three instances behind one port, a replayed token
 * refused by another instance, one discovery and one key-set fetch for the cold fleet.
 */

import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { requireRedisBinaries } from './support/redis-server.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

describe('examples/fleet', () => {
  it('prints the replayed-token answer and the single key-set fetch', async () => {
    requireRedisBinaries()
    // The script must start its own Redis, whatever the runner's environment says.
    const { REDIS_URL: _ignored, ...env } = process.env
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'examples/fleet/src/main.ts'],
        { cwd: ROOT, timeout: 50_000, env },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      )
    })
    const answers = output.split('\n').filter((line) => line.startsWith('POST /deploy/production'))
    expect(answers.map((line) => /→ (\d+) from (deploy-\d)/.exec(line)?.slice(1))).toEqual([
      expect.arrayContaining(['202']),
      expect.arrayContaining(['202']),
      expect.arrayContaining(['202']),
      ['202', 'deploy-1'],
      ['401', 'deploy-2'],
    ])
    expect(answers[4]).toContain('"code":"ERR_TOKEN_REPLAYED"')
    expect(output).toContain('GitLab saw: discovery 1, key set 1\n\n# one job token')
    expect(output.trimEnd().endsWith('GitLab saw: discovery 1, key set 1')).toBe(true)
  }, 60_000)
})

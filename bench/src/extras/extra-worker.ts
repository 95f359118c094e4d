/**
 * Child process: runs the bench rows other engineers own — `bench/src/gateway/` and
 * `bench/src/redis/` — without this bench knowing their internals. It looks in the directory
 * named by argv[2] for a module exporting `run…Bench(options)` and `render…Markdown(result)`,
 * calls them, and hands back the result and its markdown. A directory without such a module
 * yields `{ found: false }`: the row is reported as not present yet.
 */

import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runJob } from '../harness/child-ipc.js'

/** What the parent sends: only whether this is a quick run. */
export interface ExtraJob {
  readonly quick: boolean
}

/** The module's own result and markdown, or `found: false`. */
export interface ExtraResult {
  readonly found: boolean
  readonly module?: string
  readonly markdown?: string
  readonly data?: unknown
}

type Fn = (arg: unknown) => unknown

function pick(mod: Record<string, unknown>, pattern: RegExp): Fn | undefined {
  const name = Object.keys(mod).find((k) => pattern.test(k) && typeof mod[k] === 'function')
  return name === undefined ? undefined : (mod[name] as Fn)
}

const dir = process.argv[2] ?? ''

runJob<ExtraJob, ExtraResult>(async (job) => {
  const url = new URL(`../${dir}/`, import.meta.url)
  const path = fileURLToPath(url)
  if (!/^[a-z-]+$/.test(dir) || !existsSync(path)) return { found: false }
  // Script entry points (`main`, dot-files: scratch scripts) run on import; only library
  // modules are candidates.
  const files = readdirSync(path)
    .filter((f) => /^[^.].*\.(js|ts)$/.test(f) && !/^main\./.test(f) && !f.endsWith('.d.ts'))
    .sort()
  for (const file of files) {
    const mod = (await import(new URL(file, url).href)) as Record<string, unknown>
    const run = pick(mod, /^run\w*Bench$/)
    if (run === undefined) continue
    const render = pick(mod, /^render\w*Markdown$/)
    const log = (line: string): void => {
      process.stderr.write(`[${dir}] ${line}\n`)
    }
    // Smaller samples in a quick run (the gateway's `seconds`/`poolSize`, Redis's `tokens`);
    // options a module does not know are ignored by it.
    const sizes = job.quick ? { seconds: 0.5, poolSize: 200, tokens: 200 } : { seconds: 2 }
    const data = await run({ log, quick: job.quick, ...sizes })
    const markdown = render === undefined ? undefined : String(render(data))
    return {
      found: true,
      module: `${dir}/${file.replace(/\.js$/, '.ts')}`,
      data,
      ...(markdown === undefined ? {} : { markdown }),
    }
  }
  return { found: false }
})

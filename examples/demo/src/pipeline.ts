/**
 * The `curl` calls of a job's `script:` in examples/gitlab-ci.yml, so the demo makes exactly the
 * calls a pipeline would (tokens come from the mock's `mintForJob`, which reads `id_tokens:`).
 */

import { parse } from 'yaml'

/** One `curl -X METHOD -H "Authorization: Bearer $VAR" "$URL/path"` line. */
export interface CurlCall {
  readonly method: string
  /** The CI/CD variable holding the ID token. */
  readonly tokenVariable: string
  /** The URL with the file's `variables:` expanded, e.g. `https://deploy.acme.example/deploy/staging`. */
  readonly url: string
}

const CURL = /^curl\b.*?(?:-X|--request)\s+(\w+).*?-H\s+"Authorization: Bearer \$(\w+)"\s+"([^"]+)"/

type Mapping = Record<string, unknown>
const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export function readCurlCalls(ciYaml: string, jobName: string): CurlCall[] {
  const config: unknown = parse(ciYaml)
  if (!isMapping(config)) throw new Error('.gitlab-ci.yml: expected a mapping of jobs')
  const job = config[jobName]
  if (!isMapping(job) || !Array.isArray(job.script))
    throw new Error(`no job "${jobName}" with a script`)
  const variables = isMapping(config.variables) ? config.variables : {}
  const expand = (text: string): string =>
    text.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
      const value = variables[name]
      return typeof value === 'string' ? value : whole
    })
  return (job.script as unknown[]).flatMap((line) => {
    const match = typeof line === 'string' ? CURL.exec(line) : null
    if (match === null) return []
    const [, method = 'GET', tokenVariable = '', url = ''] = match
    return [{ method, tokenVariable, url: expand(url) }]
  })
}

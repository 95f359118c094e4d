/**
 * packages/gateway/README.md cannot drift from the code: every key of gateway.schema.json, every
 * metric the gateway renders and every field of a decision line is documented, and nothing that
 * is documented is missing from them.
 */

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { mergeMetrics } from '../src/fleet-admin.js'
import { createMetrics } from '../src/metrics.js'
import { gatewaySchema } from '../src/schema.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const section = (title: string): string => {
  const start = readme.indexOf(`## ${title}\n`)
  expect(start, title).toBeGreaterThanOrEqual(0)
  const end = readme.indexOf('\n## ', start + 4)
  return readme.slice(start, end === -1 ? undefined : end)
}
const firstCells = (text: string): string[] =>
  [...text.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string)

type Node = Record<string, unknown>

function schemaKeys(): string[] {
  const schema = gatewaySchema() as unknown as Node
  const defs = (schema.$defs ?? {}) as Record<string, Node>
  const keys = new Set<string>()
  const walk = (node: Node, path: string, depth: number): void => {
    if (depth > 10) return
    const ref = node.$ref
    if (typeof ref === 'string')
      return walk(defs[ref.split('/').at(-1) as string] as Node, path, depth + 1)
    for (const k of ['oneOf', 'anyOf', 'allOf'])
      for (const sub of (node[k] ?? []) as Node[]) walk(sub, path, depth + 1)
    for (const [name, sub] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
      const key = path === '' ? name : `${path}.${name}`
      keys.add(key)
      walk(sub, key, depth + 1)
    }
    if (typeof node.items === 'object' && node.items !== null)
      // `issuer` is one entry or a list of the same entries: document them once.
      walk(node.items as Node, path === 'issuer' ? path : `${path}[]`, depth + 1)
    if (typeof node.additionalProperties === 'object' && node.additionalProperties !== null)
      walk(node.additionalProperties as Node, `${path}.<name>`, depth + 1)
  }
  walk(schema, '', 0)
  return [...keys].sort()
}

describe('packages/gateway/README.md', () => {
  it('documents exactly the keys of gateway.schema.json', () => {
    const documented = firstCells(section('Configuration reference'))
    expect([...new Set(documented)].sort()).toEqual(schemaKeys())
  })

  it('documents exactly the metrics the gateway and the fleet admin render', () => {
    const metrics = createMetrics()
    const fleet = mergeMetrics([
      metrics.render([{ issuer: 'https://gitlab.com', ageSeconds: 1, stale: false }], 1),
      '# TYPE gitlab_gw_workers gauge\ngitlab_gw_workers{state="answered"} 1',
    ])
    const rendered = [...fleet.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1] as string)
    const source = readFileSync(new URL('../src/fleet-admin.ts', import.meta.url), 'utf8')
    expect(source).toContain('# TYPE gitlab_gw_workers gauge')
    expect(firstCells(section('Metrics')).sort()).toEqual([...new Set(rendered)].sort())
  })

  it('documents every field of a decision line', () => {
    const source = readFileSync(new URL('../src/decision-log.ts', import.meta.url), 'utf8')
    const body = source.slice(source.indexOf('export interface DecisionLine'))
    const fields = [...body.slice(0, body.indexOf('\n}')).matchAll(/readonly (\w+)\??:/g)].map(
      (m) => m[1] as string,
    )
    expect(fields.length).toBeGreaterThan(10)
    const cells = section('Log line')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) =>
        [...(line.split(' | ')[0] as string).matchAll(/`(\w+)`/g)].map((m) => m[1]),
      )
    for (const field of fields) expect(cells, field).toContain(field)
  })
})

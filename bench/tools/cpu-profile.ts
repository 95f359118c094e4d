/** Summaries of V8 CPU profiles (node:inspector `Profiler.stop` output) for the profiling helpers. */

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: readonly number[]
}

/** The members of a V8 CPU profile the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/**
 * Self and inclusive time per function, in µs per operation (`ops` operations were profiled),
 * top 25 each. Native frames show as `(program)`, `(garbage collector)` or the native function's
 * name; OpenSSL's RSA check appears under node's `verifyOneShot`.
 */
export function summarizeProfile(profile: CpuProfile, ops: number, unit: string): string {
  const lines: string[] = []
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  )
  const name = (n: ProfileNode) => {
    const url = n.callFrame.url
      .replace(/^.*node_modules\/\.pnpm\/([^/]+)\/.*\/([^/]+)$/, '$1/$2')
      .replace(/^.*\/packages\//, 'packages/')
    return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim()
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const selfBy = new Map<string, number>()
  const inclBy = new Map<string, number>()
  for (const [id, t] of self) {
    const seen = new Set<string>()
    let node = byId.get(id)
    if (node) selfBy.set(name(node), (selfBy.get(name(node)) ?? 0) + t)
    while (node) {
      const key = name(node)
      if (!seen.has(key)) inclBy.set(key, (inclBy.get(key) ?? 0) + t)
      seen.add(key)
      const p = parent.get(node.id)
      node = p === undefined ? undefined : byId.get(p)
    }
  }
  const top = (m: Map<string, number>, title: string) => {
    lines.push('', `${title}: µs per ${unit} (${(total / ops).toFixed(1)} µs sampled in all)`)
    for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
      lines.push(
        `${(t / ops).toFixed(2).padStart(8)}  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`,
      )
    }
  }
  top(selfBy, 'self time')
  top(inclBy, 'inclusive time')
  return lines.join('\n')
}

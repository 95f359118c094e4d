/** The policy every `ours` server and in-process case uses: pin the project (a tenant pin). */

export interface BenchPolicy {
  readonly allow: readonly {
    readonly name: string
    readonly match: { readonly project_id: string }
  }[]
}

export function benchPolicy(cfg: { readonly projectId: string }): BenchPolicy {
  return { allow: [{ name: 'bench', match: { project_id: cfg.projectId } }] }
}

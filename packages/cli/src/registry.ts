/**
 * The command list, each command loaded only when it runs: `npx gitlab-id-token inspect` should
 * not pay for loading the mock issuer, YAML and the gateway.
 *
 * @module
 */

import type { Command } from './command.js'

/** A command's name, its one-line summary, and how to load it. */
export interface CommandEntry {
  readonly name: string
  readonly summary: string
  readonly load: () => Promise<Command>
}

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'inspect',
    summary: 'decode a token without verifying it (NOT VERIFIED), with GitLab-aware warnings',
    load: async () => (await import('./commands/inspect.js')).inspect,
  },
  {
    name: 'verify',
    summary:
      'verify a token as a service would: signature, issuer, audience, times, policy, grants',
    load: async () => (await import('./commands/verify.js')).verify,
  },
  {
    name: 'explain',
    summary: 'every check and every rule, each failing claim with expected vs actual',
    load: async () => (await import('./commands/explain.js')).explain,
  },
  {
    name: 'lint',
    summary:
      'check a policy or a gateway config: schema, tenant pins, shadowed rules and routes, smells',
    load: async () => (await import('./commands/lint.js')).lint,
  },
  {
    name: 'test',
    summary:
      'table-driven policy tests: claims or a .gitlab-ci.yml job, expected outcome and grants',
    load: async () => (await import('./commands/test.js')).test,
  },
  {
    name: 'doctor',
    summary:
      'check an issuer: discovery, issuer match, key set, key sizes, latency, caching, clock skew',
    load: async () => (await import('./commands/doctor.js')).doctor,
  },
  {
    name: 'mock-issuer',
    summary: 'run a local mock GitLab issuer (discovery, key set, fault modes)',
    load: async () => (await import('./commands/mock-issuer.js')).mockIssuer,
  },
  {
    name: 'mint',
    summary: "mint tokens as a job's id_tokens: would get them (mock issuer keys only)",
    load: async () => (await import('./commands/mint.js')).mint,
  },
  {
    name: 'serve',
    summary: 'run the gateway (forward-auth service) from a gateway config',
    load: async () => (await import('./commands/serve.js')).serve,
  },
]

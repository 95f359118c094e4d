/**
 * The gateway's Prometheus metrics, hand-written in the text exposition format 0.0.4 so the
 * package stays dependency-free (research note §6.1 "Readiness and metrics").
 *
 * @module
 */

type Labels = Readonly<Record<string, string>>

// Prometheus text format: label values escape backslash, double quote and newline.
const escape = (value: string): string =>
  value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
const labelText = (labels: Labels): string => {
  const entries = Object.entries(labels)
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`
}

const KEYS = new Map<string, string>()

/**
 * The rendered label set of a decision, built once per distinct (route, outcome, code): the
 * check path would otherwise escape and join the same three labels on every request.
 *
 * @example
 * ```ts
 * metrics.decisions.incKey(decisionKey('deploy', 'allowed', ''))
 * ```
 */
export function decisionKey(route: string, outcome: string, code: string): string {
  const id = `${route}\u0000${outcome}\u0000${code}`
  let key = KEYS.get(id)
  if (key === undefined) {
    key = labelText({ route, outcome, code })
    // Route names come from the config and codes from the core: this stays small.
    if (KEYS.size < 10_000) KEYS.set(id, key)
  }
  return key
}

/** A monotonically increasing count per label set. */
class Counter {
  readonly #values = new Map<string, number>()
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels)
    this.#values.set(key, (this.#values.get(key) ?? 0) + by)
  }
  /** Adds `by` to an already rendered label set (see {@link labelsKey}): the per-check path. */
  incKey(key: string, by = 1): void {
    this.#values.set(key, (this.#values.get(key) ?? 0) + by)
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels)) ?? 0
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    for (const [key, value] of this.#values) lines.push(`${this.name}${key} ${value}`)
    return lines.join('\n')
  }
}

// Check latency buckets in seconds: a cached check is tens of microseconds, a cold key fetch
// is bounded by the proxy's timeout (Envoy's default is 200 ms).
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

/** A latency histogram without labels. */
class Histogram {
  readonly #counts = BUCKETS.map(() => 0)
  #sum = 0
  #count = 0
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(seconds: number): void {
    this.#sum += seconds
    this.#count += 1
    for (const [i, bound] of BUCKETS.entries())
      if (seconds <= bound) this.#counts[i] = (this.#counts[i] ?? 0) + 1
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const [i, bound] of BUCKETS.entries())
      lines.push(`${this.name}_bucket{le="${bound}"} ${this.#counts[i] ?? 0}`)
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.#count}`,
      `${this.name}_sum ${this.#sum}`,
      `${this.name}_count ${this.#count}`,
    )
    return lines.join('\n')
  }
}

/**
 * Per-issuer key-set state for the gauges.
 *
 * @example
 * ```ts
 * const state: KeySetGauge = { issuer: 'https://gitlab.com', ageSeconds: 12, stale: false }
 * ```
 */
export interface KeySetGauge {
  readonly issuer: string
  readonly ageSeconds?: number
  readonly stale: boolean
}

/**
 * The metrics of one gateway process. Names follow the research note (`gitlab_gw_*`).
 *
 * @example
 * ```ts
 * const metrics = createMetrics()
 * metrics.decisions.inc({ route: 'deploy', outcome: 'allowed', code: '' })
 * res.end(metrics.render(() => readiness.gauges(), generation))
 * ```
 */
export function createMetrics() {
  const decisions = new Counter(
    'gitlab_gw_decisions_total',
    'Check decisions by route, outcome and code.',
  )
  const checkSeconds = new Histogram(
    'gitlab_gw_check_seconds',
    'Time to answer a check, in seconds.',
  )
  const jwksFetches = new Counter(
    'gitlab_gw_jwks_fetch_total',
    'Discovery and key-set fetches by issuer and result.',
  )
  const replayErrors = new Counter(
    'gitlab_gw_replay_store_errors_total',
    'Replay store failures by reason.',
  )
  const reloads = new Counter('gitlab_gw_config_reloads_total', 'Configuration reloads by result.')
  return {
    decisions,
    checkSeconds,
    jwksFetches,
    replayErrors,
    reloads,
    /** The whole exposition, with the key-set gauges and the config generation. */
    render(keySets: readonly KeySetGauge[], generation: number): string {
      const age = [
        '# HELP gitlab_gw_jwks_age_seconds Seconds since the key set was fetched.',
        '# TYPE gitlab_gw_jwks_age_seconds gauge',
      ]
      const stale = [
        '# HELP gitlab_gw_jwks_stale 1 when the key set is not usable or past its max age.',
        '# TYPE gitlab_gw_jwks_stale gauge',
      ]
      for (const set of keySets) {
        const labels = labelText({ issuer: set.issuer })
        if (set.ageSeconds !== undefined)
          age.push(`gitlab_gw_jwks_age_seconds${labels} ${set.ageSeconds}`)
        stale.push(`gitlab_gw_jwks_stale${labels} ${set.stale ? 1 : 0}`)
      }
      return [
        decisions.render(),
        checkSeconds.render(),
        jwksFetches.render(),
        age.join('\n'),
        stale.join('\n'),
        replayErrors.render(),
        reloads.render(),
        '# HELP gitlab_gw_config_generation The generation of the configuration in use (1 at start).',
        '# TYPE gitlab_gw_config_generation gauge',
        `gitlab_gw_config_generation ${generation}`,
        '',
      ].join('\n')
    },
  }
}

/**
 * The metrics object {@link createMetrics} returns.
 *
 * @example
 * ```ts
 * function count(metrics: GatewayMetrics) { metrics.reloads.inc({ result: 'ok' }) }
 * ```
 */
export type GatewayMetrics = ReturnType<typeof createMetrics>

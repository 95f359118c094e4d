import { describe, expect, it } from 'vitest'
import { mergeMetrics } from '../src/fleet-admin.js'
import { createMetrics } from '../src/metrics.js'

describe('mergeMetrics', () => {
  it('sums counters and histograms, keeps the worst gauge and the oldest generation', () => {
    const a = createMetrics()
    const b = createMetrics()
    a.decisions.inc({ route: 'r', outcome: 'allowed', code: '' }, 2)
    b.decisions.inc({ route: 'r', outcome: 'allowed', code: '' }, 3)
    b.decisions.inc({ route: 'r', outcome: 'refused', code: 'ERR_TOKEN_MISSING' })
    a.checkSeconds.observe(0.0002)
    b.checkSeconds.observe(0.002)
    const merged = mergeMetrics([
      a.render([{ issuer: 'https://gitlab.com', ageSeconds: 10, stale: false }], 3),
      b.render([{ issuer: 'https://gitlab.com', ageSeconds: 40, stale: true }], 2),
    ])
    expect(merged).toContain('gitlab_gw_decisions_total{route="r",outcome="allowed",code=""} 5')
    expect(merged).toContain(
      'gitlab_gw_decisions_total{route="r",outcome="refused",code="ERR_TOKEN_MISSING"} 1',
    )
    expect(merged).toContain('gitlab_gw_check_seconds_bucket{le="0.00025"} 1')
    expect(merged).toContain('gitlab_gw_check_seconds_bucket{le="0.0025"} 2')
    expect(merged).toContain('gitlab_gw_check_seconds_count 2')
    expect(merged).toContain('gitlab_gw_jwks_age_seconds{issuer="https://gitlab.com"} 40')
    expect(merged).toContain('gitlab_gw_jwks_stale{issuer="https://gitlab.com"} 1')
    expect(merged).toContain('gitlab_gw_config_generation 2')
    // Each HELP/TYPE line once, before its samples.
    expect(merged.match(/# TYPE gitlab_gw_decisions_total counter/g)).toHaveLength(1)
    expect(merged.indexOf('# TYPE gitlab_gw_decisions_total')).toBeLessThan(
      merged.indexOf('gitlab_gw_decisions_total{'),
    )
  })
})

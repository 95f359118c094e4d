import { describe, expect, it } from 'vitest'
import { createMetrics } from '../src/metrics.js'

describe('createMetrics', () => {
  it('renders Prometheus text with counters, the histogram and gauges', () => {
    const metrics = createMetrics()
    metrics.decisions.inc({ route: 'deploy', outcome: 'allowed', code: '' })
    metrics.decisions.inc({ route: 'deploy', outcome: 'allowed', code: '' })
    metrics.decisions.inc({ route: 'a"b\\c', outcome: 'refused', code: 'ERR_POLICY_DENIED' })
    metrics.checkSeconds.observe(0.0003)
    metrics.reloads.inc({ result: 'error' })
    const text = metrics.render(
      [
        { issuer: 'https://gitlab.com', ageSeconds: 12, stale: false },
        { issuer: 'https://down.example', stale: true },
      ],
      3,
    )
    expect(text).toContain('# TYPE gitlab_gw_decisions_total counter')
    expect(text).toContain('gitlab_gw_decisions_total{route="deploy",outcome="allowed",code=""} 2')
    expect(text).toContain(
      'gitlab_gw_decisions_total{route="a\\"b\\\\c",outcome="refused",code="ERR_POLICY_DENIED"} 1',
    )
    expect(text).toContain('gitlab_gw_check_seconds_bucket{le="0.00025"} 0')
    expect(text).toContain('gitlab_gw_check_seconds_bucket{le="0.0005"} 1')
    expect(text).toContain('gitlab_gw_check_seconds_bucket{le="+Inf"} 1')
    expect(text).toContain('gitlab_gw_check_seconds_count 1')
    expect(text).toContain('gitlab_gw_jwks_age_seconds{issuer="https://gitlab.com"} 12')
    expect(text).toContain('gitlab_gw_jwks_stale{issuer="https://down.example"} 1')
    expect(text).toContain('gitlab_gw_config_reloads_total{result="error"} 1')
    expect(text).toContain('gitlab_gw_config_generation 3')
    expect(text.endsWith('\n')).toBe(true)
    expect(metrics.decisions.get({ route: 'deploy', outcome: 'allowed', code: '' })).toBe(2)
  })
})

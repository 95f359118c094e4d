import { describe, expect, it } from 'vitest'

import { parseDuration, readJob } from '../src/ci-config.js'

describe('readJob', () => {
  it('reads id_tokens with string and array aud, in file order', () => {
    const job = readJob(
      `
job_with_id_tokens:
  id_tokens:
    ID_TOKEN_1:
      aud: https://vault.example.com
    ID_TOKEN_2:
      aud:
        - https://gcp.com
        - https://aws.com
  script: echo
`,
      'job_with_id_tokens',
    )
    expect(job.idTokens).toEqual([
      { name: 'ID_TOKEN_1', aud: 'https://vault.example.com' },
      { name: 'ID_TOKEN_2', aud: ['https://gcp.com', 'https://aws.com'] },
    ])
  })

  it('returns no tokens for a job without id_tokens', () => {
    expect(readJob('build:\n  script: make\n', 'build').idTokens).toEqual([])
  })

  it('names the available jobs when the job does not exist', () => {
    const yaml =
      'variables: {A: b}\nstages: [x]\n.hidden:\n  script: x\nbuild:\n  script: x\ntest:\n  script: y\n'
    expect(() => readJob(yaml, 'deploy')).toThrow(
      'no job named "deploy"; jobs in this file: build, test',
    )
    expect(() => readJob(yaml, 'variables')).toThrow(/no job named "variables"/)
    expect(() => readJob(yaml, '.hidden')).toThrow(/hidden job/)
  })

  it("rejects malformed id_tokens with GitLab's messages", () => {
    const bad =
      (body: string): (() => unknown) =>
      () =>
        readJob(`job:\n  id_tokens:\n${body}`, 'job')
    expect(bad('    T: {}\n')).toThrow('jobs:job:id_tokens:T config missing required keys: aud')
    expect(bad('    T: {aud: a, sub: b}\n')).toThrow(
      'jobs:job:id_tokens:T config contains unknown keys: sub',
    )
    expect(bad('    T: {aud: [a, 1]}\n')).toThrow(
      'jobs:job:id_tokens:T aud should be an array of strings or a string',
    )
    expect(bad('    - T\n')).toThrow('jobs:job:id_tokens config should be a hash')
  })

  it('reports invalid YAML', () => {
    expect(() => readJob('job: [unclosed\n', 'job')).toThrow(/invalid YAML/)
    expect(() => readJob('', 'job')).toThrow(/top level|empty/)
  })

  it('applies extends (deep merge, lists of parents) and YAML anchors with merge keys', () => {
    const job = readJob(
      `
.vault: &vault
  id_tokens:
    VAULT_ID_TOKEN: { aud: https://vault.example.com }
.aws:
  id_tokens:
    AWS_ID_TOKEN: { aud: sts.amazonaws.com }
  timeout: 2h
deploy:
  extends: [.vault, .aws]
  id_tokens:
    VAULT_ID_TOKEN: { aud: https://vault-2.example.com }
anchored:
  <<: *vault
`,
      'deploy',
    )
    expect(job.idTokens).toEqual([
      { name: 'VAULT_ID_TOKEN', aud: 'https://vault-2.example.com' },
      { name: 'AWS_ID_TOKEN', aud: 'sts.amazonaws.com' },
    ])
    expect(job.timeoutSeconds).toBe(7200)
  })

  it('reports unknown and circular extends', () => {
    expect(() => readJob('job:\n  extends: .nope\n', 'job')).toThrow(
      'job: unknown key in `extends` (.nope)',
    )
    expect(() =>
      readJob('.a:\n  extends: .b\n.b:\n  extends: .a\njob:\n  extends: .a\n', 'job'),
    ).toThrow(/circular dependency/)
  })

  it('resolves !reference tags', () => {
    const job = readJob(
      `
.tokens:
  id_tokens:
    OIDC: { aud: https://api.example.com }
  audiences:
    - https://a.example
deploy:
  id_tokens:
    OTHER:
      aud: !reference [.tokens, audiences]
  variables: !reference [.vars]
.vars:
  A: b
`,
      'deploy',
    )
    expect(job.idTokens).toEqual([{ name: 'OTHER', aud: ['https://a.example'] }])
    expect(job.variableLayers[1]).toEqual({ A: 'b' })
    expect(() => readJob('job:\n  id_tokens: !reference [.missing, x]\n', 'job')).toThrow(
      /not found/,
    )
  })

  it('inherits id_tokens and timeout from default unless the job sets them or opts out', () => {
    const yaml = `
default:
  id_tokens:
    DEFAULT_TOKEN: { aud: https://default.example }
  timeout: 30 minutes
plain:
  script: x
own:
  id_tokens:
    OWN: { aud: own }
opted_out:
  inherit:
    default: false
partly:
  inherit:
    default: [timeout]
`
    expect(readJob(yaml, 'plain')).toMatchObject({
      idTokens: [{ name: 'DEFAULT_TOKEN', aud: 'https://default.example' }],
      timeoutSeconds: 1800,
    })
    expect(readJob(yaml, 'own').idTokens).toEqual([{ name: 'OWN', aud: 'own' }])
    expect(readJob(yaml, 'opted_out').idTokens).toEqual([])
    expect(readJob(yaml, 'partly')).toMatchObject({ idTokens: [], timeoutSeconds: 1800 })
  })

  it('reads variables (global, then job; inherit: variables) and the environment', () => {
    const yaml = `
variables:
  AUD_HOST: global.example
  OTHER: { value: x, description: d }
  RAW: { value: $OTHER, expand: false }
deploy:
  variables: { AUD_HOST: job.example, NUM: 3 }
  environment:
    name: production
    action: prepare
    deployment_tier: staging
isolated:
  inherit:
    variables: [OTHER]
  environment: review/$CI_COMMIT_REF_SLUG
`
    const deploy = readJob(yaml, 'deploy')
    expect(deploy.variableLayers).toEqual([
      { AUD_HOST: 'global.example', OTHER: 'x', RAW: { value: '$OTHER', expand: false } },
      { AUD_HOST: 'job.example', NUM: '3' },
    ])
    expect(deploy.environment).toEqual({
      name: 'production',
      action: 'prepare',
      deploymentTier: 'staging',
    })
    const isolated = readJob(yaml, 'isolated')
    expect(isolated.variableLayers[0]).toEqual({ OTHER: 'x' })
    expect(isolated.environment).toEqual({ name: 'review/$CI_COMMIT_REF_SLUG' })
  })

  it('reads the jobs document of a file with a spec: header', () => {
    const yaml = 'spec:\n  inputs:\n    aud: {}\n---\njob:\n  id_tokens:\n    T: { aud: a }\n'
    expect(readJob(yaml, 'job').idTokens).toEqual([{ name: 'T', aud: 'a' }])
  })
})

describe('parseDuration', () => {
  it.each([
    [3600, 3600],
    ['3600', 3600],
    ['1h', 3600],
    ['1h 30m', 5400],
    ['2 hours', 7200],
    ['90 minutes', 5400],
    ['1 hour and 30 minutes', 5400],
    ['1d', 86400],
    ['10m 30s', 630],
  ])('%s → %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds)
  })

  it.each([undefined, null, 'soon', '', -5, '1h bananas'])('%s → undefined', (input) => {
    expect(parseDuration(input)).toBeUndefined()
  })
})

import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createGatewayLogger, logIdentity } from '../src/decision-log.js'

describe('decision log', () => {
  it('writes JSON lines with the service name and pid', () => {
    const lines: string[] = []
    const destination = new Writable({
      write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()),
    })
    createGatewayLogger({ destination }).info({ route: 'r' }, 'check')
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 30,
      service: 'gitlab-id-token-gateway',
      pid: process.pid,
      route: 'r',
      msg: 'check',
    })
  })

  it('keeps a few identity claims as strings and only a hash of jti', () => {
    const identity = logIdentity({
      project_id: '42',
      job_id: 7,
      ref: 'main',
      jti: 'secret-jti',
      user_email: 'a@b',
    })
    expect(identity).toEqual({
      project_id: '42',
      job_id: '7',
      ref: 'main',
      jti_sha256: expect.stringMatching(/^[0-9a-f]{16}$/),
    })
    expect(JSON.stringify(identity)).not.toContain('secret-jti')
    expect(logIdentity(undefined)).toBeUndefined()
  })
})

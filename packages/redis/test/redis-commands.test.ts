import { createClient } from 'redis'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { pxOptions } from '@gitlab-id-token/redis'
import type { RedisCommands } from '@gitlab-id-token/redis'

describe('pxOptions', () => {
  it('spells PX (and NX) both ways node-redis reads them, in whole milliseconds', () => {
    expect(pxOptions(1500.2, { onlyIfAbsent: true })).toEqual({
      expiration: { type: 'PX', value: 1501 },
      PX: 1501,
      condition: 'NX',
      NX: true,
    })
    expect(pxOptions(0, { onlyIfAbsent: false })).toEqual({
      expiration: { type: 'PX', value: 1 },
      PX: 1,
    })
  })

  it('accepts a node-redis client as RedisCommands', () => {
    expectTypeOf(createClient()).toExtend<RedisCommands>()
  })
})

import { describe, expect, it } from 'vitest'
import { RedisDeadlineError } from '@gitlab-id-token/redis'
import { failureReason, withDeadline } from '../src/deadline.js'

describe('withDeadline', () => {
  it('passes a prompt answer or rejection through', async () => {
    await expect(withDeadline(async () => 'OK', 1_000)).resolves.toBe('OK')
    await expect(withDeadline(() => Promise.reject(new Error('boom')), 1_000)).rejects.toThrow(
      'boom',
    )
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a client may reject with anything
    await expect(withDeadline(() => Promise.reject('text'), 1_000)).rejects.toThrow('text')
  })

  it('turns a synchronous throw into a rejection', async () => {
    const call = (): Promise<never> => {
      throw new Error('closed')
    }
    await expect(withDeadline(call, 1_000)).rejects.toThrow('closed')
  })

  it('rejects with RedisDeadlineError when nothing settles, and drops a late reply', async () => {
    let answer: (value: string) => void = () => {}
    const pending = new Promise<string>((resolve) => (answer = resolve))
    const error = await withDeadline(() => pending, 10).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RedisDeadlineError)
    expect(error).toMatchObject({ name: 'RedisDeadlineError', timeoutMs: 10 })
    expect(failureReason(error)).toBe('timeout')
    expect(failureReason(new Error('refused'))).toBe('error')
    answer('late')
    await pending
  })
})

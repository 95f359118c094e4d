/**
 * `--at` values: an ISO 8601 date, seconds since the epoch, or `now`.
 *
 * @module
 */

import { UsageError } from './usage-error.js'

/** The environment variable that sets `--at` when the flag is absent (stable output in scripts). */
export const AT_ENV = 'GITLAB_ID_TOKEN_AT'

/**
 * Milliseconds since the epoch for `value`, or `undefined` for the real clock.
 *
 * @example
 * ```ts
 * parseTime('2026-12-01T10:00:00Z') // 1796119200000
 * parseTime('1796119200')           // the same (seconds)
 * ```
 */
export function parseTime(value: string | undefined, flag = '--at'): number | undefined {
  if (value === undefined || value === '' || value === 'now') return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000)
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a time`,
      'use an ISO 8601 date (2026-12-01T10:00:00Z) or seconds since the epoch',
    )
  }
  return ms
}

/**
 * `--at`, else `$GITLAB_ID_TOKEN_AT`, else `undefined` (the real clock).
 *
 * @example
 * ```ts
 * const at = atFrom(stringFlag(context, 'at'), context.io.env)
 * ```
 */
export function atFrom(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  return flag !== undefined ? parseTime(flag) : parseTime(env[AT_ENV], AT_ENV)
}

/**
 * A duration the way people say it: `45 s`, `14 min`, `2 h 5 min`, `3 d`.
 *
 * @example
 * ```ts
 * humanDuration(3600) // '60 min'
 * ```
 */
export function humanDuration(seconds: number): string {
  const s = Math.abs(Math.round(seconds))
  if (s < 120) return `${s} s`
  if (s <= 3600) return `${Math.round(s / 60)} min`
  if (s < 48 * 3600) {
    const h = Math.floor(s / 3600)
    const m = Math.round((s % 3600) / 60)
    return m === 0 ? `${h} h` : `${h} h ${m} min`
  }
  return `${Math.round(s / 86400)} d`
}

/**
 * `in 14 min` or `14 min ago`, relative to `nowMs`.
 *
 * @example
 * ```ts
 * relative(Date.now() + 840_000, Date.now()) // 'in 14 min'
 * ```
 */
export function relative(whenMs: number, nowMs: number): string {
  const seconds = (whenMs - nowMs) / 1000
  return seconds >= 0 ? `in ${humanDuration(seconds)}` : `${humanDuration(seconds)} ago`
}

/**
 * A date as UTC without milliseconds: `2026-12-01 10:00:00Z`.
 *
 * @example
 * ```ts
 * formatDate(new Date(0)) // '1970-01-01 00:00:00Z'
 * ```
 */
export function formatDate(date: Date): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z')
}

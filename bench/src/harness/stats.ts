/** Small statistics helpers: medians and ranges over rounds, ignoring missing (NaN) samples. */

export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
}

/** Median, min, max and count, ignoring missing (NaN) samples. */
export function summarize(values: readonly number[]): Summary {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 }
  const mid = v.length >> 1
  const median =
    v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2
  return { median, min: v[0] as number, max: v[v.length - 1] as number, n: v.length }
}

/** Per-round ratios a[r] / b[r] (same round, so machine noise mostly cancels). */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, r) => {
    const y = b[r]
    return y === undefined || !(y > 0) ? Number.NaN : x / y
  })
}

/** A whole number with thousands separators, or `—`. */
export function fmtInt(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—'
}

/** A ratio: two decimals below 10, one above, or `—`. */
export function fmtRatio(x: number): string {
  if (!Number.isFinite(x)) return '—'
  return x >= 10 ? x.toFixed(1) : x.toFixed(2)
}

/** `min–max`, or the one sample of a single-round run. */
export function fmtRange(s: Summary, fmt: (x: number) => string): string {
  return s.n <= 1 ? fmt(s.median) : `${fmt(s.min)}–${fmt(s.max)}`
}

import { describe, expect, it } from 'vitest'
import { asciiLower } from '../src/ascii-fold.js'

describe('asciiLower', () => {
  it('lowers A–Z and nothing else', () => {
    expect(asciiLower('Acme/Widget-Z')).toBe('acme/widget-z')
    expect(asciiLower('ÉCOLE')).toBe('École')
  })

  it('keeps the Kelvin sign and the long s, which Unicode folding maps onto k and s', () => {
    expect(asciiLower('\u212A')).toBe('\u212A')
    expect(asciiLower('\u017F')).toBe('\u017F')
    expect('\u212A'.toLowerCase()).toBe('k') // what toLowerCase() would have done
  })

  it('returns the same string when there is nothing to lower', () => {
    const text = 'acme/widget'
    expect(asciiLower(text)).toBe(text)
    expect(asciiLower('')).toBe('')
  })
})

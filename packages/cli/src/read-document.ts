/**
 * Reading the YAML and JSON files the CLI takes: policies, gateway configs, test cases, key files.
 *
 * @module
 */

import { readFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { UsageError } from './usage-error.js'

/**
 * The parsed document at `path` (resolved against `cwd`): JSON for `.json`, YAML otherwise (YAML
 * is a superset of JSON, so either works everywhere).
 *
 * @example
 * ```ts
 * const policy = await readDocument('policy.yaml', io.cwd)
 * ```
 */
export async function readDocument(path: string, cwd: string): Promise<unknown> {
  const full = resolve(cwd, path)
  let text: string
  try {
    text = await readFile(full, 'utf8')
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    )
  }
  try {
    // JSON.parse rejects the byte-order mark some Windows editors write.
    return extname(full).toLowerCase() === '.json'
      ? (JSON.parse(text.replace(/^\uFEFF/, '')) as unknown)
      : (parseYaml(text) as unknown)
  } catch (error) {
    throw new UsageError(
      `${path} is not valid ${extname(full) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    )
  }
}

/**
 * Reads a file as text, with the CLI's error message.
 *
 * @example
 * ```ts
 * const ciYaml = await readText('.gitlab-ci.yml', io.cwd)
 * ```
 */
export async function readText(path: string, cwd: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, path), 'utf8')
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    )
  }
}

/**
 * Whether `value` is a plain object (not an array or null).
 *
 * @example
 * ```ts
 * isRecord({}) // true
 * ```
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

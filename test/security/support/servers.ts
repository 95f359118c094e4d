/**
 * Real Express, Fastify and Koa servers on 127.0.0.1, port 0: the adapter contract's apps
 * (test/contract/harnesses.ts), so every attack's `code` and status are read from what a client of
 * the documented setup would really receive.
 *
 * - `GET /whoami` → 200 with what the handler sees of the verified token;
 * - `GET /deploy` → requires the grant `deploy`, then 200.
 */

import type { Verifier } from '@gitlab-id-token/core'
import express from 'express'
import type { ContractApp, HarnessOptions, MakeHarness } from '../../contract/adapter-contract.js'
import { expressHarness, fastifyHarness, koaHarness } from '../../contract/harnesses.js'

export type Framework = 'Express' | 'Fastify' | 'Koa'
export const FRAMEWORKS: readonly Framework[] = ['Express', 'Fastify', 'Koa']

export interface AppOptions extends HarnessOptions {
  readonly verifier: Verifier
}

export type RunningApp = ContractApp

const HARNESSES: Readonly<Record<Framework, MakeHarness>> = {
  Express: expressHarness(express),
  Fastify: fastifyHarness,
  Koa: koaHarness,
}

/** Starts `framework` with our adapter, on 127.0.0.1, port 0. */
export function startApp(framework: Framework, options: AppOptions): Promise<RunningApp> {
  const { verifier, ...harness } = options
  return HARNESSES[framework]({ verifier }, harness)
}

/** Wraps a verifier to count `verify` calls (to prove a request never reached the core). */
export function countingVerifier(inner: Verifier): Verifier & { readonly calls: number } {
  let calls = 0
  return {
    ...inner,
    get calls() {
      return calls
    },
    verify(token, context) {
      calls += 1
      return inner.verify(token, context)
    },
  }
}

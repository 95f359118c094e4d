import express from 'express'
import express4 from 'express4'
import { runAdapterContract } from './contract/adapter-contract.js'
import { expressHarness, fastifyHarness, koaHarness } from './contract/harnesses.js'

runAdapterContract('Express 5', expressHarness(express))
runAdapterContract('Express 4', expressHarness(express4))
runAdapterContract('Fastify 5', fastifyHarness)
runAdapterContract('Koa 3', koaHarness)

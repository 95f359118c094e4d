// Runs in a fresh npm project that installed only the packed tarballs: ESM import of every
// package, and one real request through each adapter against the mock issuer.
import { once } from 'node:events'
import { createVerifier, GitlabIdTokenError } from '@gitlab-id-token/core'
import { createMockGitlab } from '@gitlab-id-token/testing'
import * as expressAdapter from '@gitlab-id-token/express'
import * as fastifyAdapter from '@gitlab-id-token/fastify'
import * as koaAdapter from '@gitlab-id-token/koa'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'

const optional = ['@gitlab-id-token/gateway', '@gitlab-id-token/redis', '@gitlab-id-token/cli']
for (const name of optional) await import(name)

const gitlab = await createMockGitlab()
const audience = 'https://smoke.example'
const options = {
  issuer: gitlab.issuer,
  audience,
  policy: { allow: [{ match: { project_path: 'acme/widget' }, grants: ['deploy'] }] },
}
const good = gitlab.mint({ aud: audience, project_path: 'acme/widget' })
const stranger = gitlab.mint({ aud: audience, project_path: 'mallory/widget' })
if (typeof createVerifier !== 'function' || typeof GitlabIdTokenError !== 'function') {
  throw new Error('core exports missing')
}

async function expectStatus(url, token, status) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  if (response.status !== status) throw new Error(`${url}: ${response.status}, expected ${status}`)
}

async function serve(listen) {
  const server = listen()
  await once(server, 'listening')
  return { server, url: `http://127.0.0.1:${server.address().port}/` }
}

const app = express()
app.use(expressAdapter.verifyGitlabIdToken(options))
app.get('/', (req, res) => res.json({ project: req.gitlabIdToken.claims.project_path }))
const ex = await serve(() => app.listen(0, '127.0.0.1'))
await expectStatus(ex.url, good, 200)
await expectStatus(ex.url, stranger, 403)
ex.server.close()

const fastify = Fastify()
await fastify.register(fastifyAdapter.verifyGitlabIdToken, options)
fastify.get('/', async (request) => ({ project: request.gitlabIdToken.claims.project_path }))
const fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' })
await expectStatus(`${fastifyUrl}/`, good, 200)
await expectStatus(`${fastifyUrl}/`, stranger, 403)
await fastify.close()

const koa = new Koa()
koa.use(koaAdapter.verifyGitlabIdToken(options))
koa.use((ctx) => {
  ctx.body = { project: ctx.state.gitlabIdToken.claims.project_path }
})
const ko = await serve(() => koa.listen(0, '127.0.0.1'))
await expectStatus(ko.url, good, 200)
await expectStatus(ko.url, stranger, 403)
ko.server.close()

await gitlab.close()
console.log('esm: import ok; express, fastify and koa answered 200 and 403')

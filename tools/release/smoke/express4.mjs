// Express 4 with @types/express@4: the adapter at runtime, one real request.
import { once } from 'node:events'
import { verifyGitlabIdToken } from '@gitlab-id-token/express'
import { createMockGitlab } from '@gitlab-id-token/testing'
import express from 'express'

const gitlab = await createMockGitlab()
const audience = 'https://smoke.example'
const app = express()
app.use(
  verifyGitlabIdToken({
    issuer: gitlab.issuer,
    audience,
    policy: { allow: [{ match: { project_path: 'acme/widget' } }] },
  }),
)
app.get('/', (req, res) => res.json({ ok: true }))
const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
const url = `http://127.0.0.1:${server.address().port}/`
const token = gitlab.mint({ aud: audience, project_path: 'acme/widget' })
const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
const missing = await fetch(url)
if (ok.status !== 200 || missing.status !== 401) {
  throw new Error(`express 4: ${ok.status} / ${missing.status}, expected 200 / 401`)
}
server.close()
await gitlab.close()
console.log('express 4: 200 with a token, 401 without')

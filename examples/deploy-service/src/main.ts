/**
 * Runs the deploy service standalone:
 *
 *   GITLAB_ID_TOKEN_ISSUER=https://gitlab.example.com PORT=8080 tsx examples/deploy-service/src/main.ts
 *
 * GITLAB_ID_TOKEN_AUDIENCE defaults to https://deploy.acme.example; the policy is in policy.ts.
 */

import { DEFAULT_AUDIENCE, start } from './app.js'

const service = await start({
  issuer: process.env.GITLAB_ID_TOKEN_ISSUER ?? 'https://gitlab.com',
  audience: process.env.GITLAB_ID_TOKEN_AUDIENCE ?? DEFAULT_AUDIENCE,
  port: Number(process.env.PORT ?? 8080),
  host: process.env.HOST ?? '127.0.0.1',
})
console.log(`deploy-service listening on ${service.url}`)

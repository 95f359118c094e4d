/**
 * Runs the Fastify deploy API standalone, configured by the environment:
 *
 *   GITLAB_ID_TOKEN_AUDIENCE=https://deploy.acme.example \
 *   GITLAB_ID_TOKEN_ISSUER=https://gitlab.example.com \
 *   PORT=8080 tsx examples/fastify-api/src/main.ts
 *
 * GITLAB_ID_TOKEN_POLICY defaults to ../policy.yaml. A missing variable stops it at startup.
 */

import { createApp } from './app.js'

const app = await createApp()
await app.listen({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' })

/**
 * A service whose app is built when its module loads, configured by the GITLAB_ID_TOKEN_*
 * variables: what packages/testing/README.md "A module-level app" tests with a dynamic import.
 */

import express, { type Express } from 'express'
import {
  gitlabIdTokenErrorHandler,
  requireGrants,
  verifyGitlabIdToken,
} from '@gitlab-id-token/express'

export const app: Express = express()
app.use(verifyGitlabIdToken()) // reads the variables now, at import
app.post('/deploy', requireGrants('deploy'), (req, res) => {
  res.json({ project: req.gitlabIdToken?.claims.project_path })
})
app.use(gitlabIdTokenErrorHandler())

// Type-checked against express@4 and @types/express@4.
import express from 'express'
import { requireGrants, verifyGitlabIdToken } from '@gitlab-id-token/express'

const app = express()
app.use(
  verifyGitlabIdToken({
    audience: 'https://smoke.example',
    policy: { allow: [{ match: { project_id: '42' } }] },
  }),
)
app.post('/deploy', requireGrants('deploy'), (req, res) => {
  res.json({ project: req.gitlabIdToken?.claims.project_path })
})
export default app

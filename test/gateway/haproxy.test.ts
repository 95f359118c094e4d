/**
 * The gateway contract through the real HAProxy (Debian 2.6.12, Lua 5.3) with
 * examples/gateway/haproxy.cfg and gitlab-auth.lua. A missing haproxy fails the suite.
 */

import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { gatewayContract } from './support/contract.js'
import { EXAMPLES, prepareProxy, spawnServer } from './support/servers.js'

gatewayContract(
  'HAProxy',
  'haproxy',
  async (env) => {
    const { port, dir, render } = await prepareProxy(env, 'haproxy')
    const cfg = render('haproxy.cfg')
    copyFileSync(join(EXAMPLES, 'gitlab-auth.lua'), join(dir, 'gitlab-auth.lua'))
    const haproxy = await spawnServer(process.env.HAPROXY_BIN ?? 'haproxy', ['-f', cfg, '-db'], {
      cwd: dir,
      port,
      env: { GITLAB_GATEWAY_CHECK_URL: `http://127.0.0.1:${env.tap.port}/check` },
    })
    return { port, stop: () => haproxy.stop() }
  },
  { gatewayDown: 503, retryAfterOn503: true, challengeOn403: true },
)

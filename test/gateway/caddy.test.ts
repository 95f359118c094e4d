/**
 * The gateway contract through the real Caddy (Debian 2.6.2) with examples/gateway/Caddyfile.
 * A missing caddy fails the suite: CI must install it (issue 13).
 */

import { join } from 'node:path'
import { gatewayContract } from './support/contract.js'
import { prepareProxy, spawnServer } from './support/servers.js'

gatewayContract(
  'Caddy',
  'caddy',
  async (env) => {
    const { port, dir, render } = await prepareProxy(env, 'caddy')
    const file = render('Caddyfile')
    // Caddy keeps state under XDG dirs: point them into the temp dir.
    const caddy = await spawnServer(
      process.env.CADDY_BIN ?? 'caddy',
      ['run', '--config', file, '--adapter', 'caddyfile'],
      {
        cwd: dir,
        port,
        env: { XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'), HOME: dir },
      },
    )
    return { port, stop: () => caddy.stop() }
  },
  // Caddy copies the auth reply to the client (finding 6); unreachable auth is 502 [ran].
  { gatewayDown: 502, retryAfterOn503: true, challengeOn403: true },
)

/**
 * The gateway contract through the real nginx (Debian 1.22) with examples/gateway/nginx.conf.
 * A missing nginx fails the suite: CI must install it (issue 13).
 */

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { gatewayContract } from './support/contract.js'
import { prepareProxy, spawnServer } from './support/servers.js'

gatewayContract(
  'nginx',
  'nginx',
  async (env) => {
    const { port, dir: prefix, render } = await prepareProxy(env, 'nginx')
    mkdirSync(join(prefix, 'tmp'), { recursive: true })
    const conf = render('nginx.conf')
    const nginx = await spawnServer(
      process.env.NGINX_BIN ?? 'nginx',
      [
        '-p',
        prefix,
        '-c',
        conf,
        '-e',
        join(prefix, 'error.log'),
        // As root, workers would run as nobody and could not buffer a body in the 0700 temp dir.
        ...(process.getuid?.() === 0 ? ['-g', 'user root;'] : []),
      ],
      { cwd: prefix, port },
    )
    return { port, stop: () => nginx.stop() }
  },
  {
    ownBodyOn401: true,
    gatewayDown: 503,
    retryAfterOn503: true,
    challengeOn403: true,
    // nginx core cannot clear headers by prefix; the README names the headers-more alternative.
    unsetIdentityHeadersPass: true,
  },
)

// CommonJS callers load the ESM-only packages through require(esm), on by default in Node 20.19+.
const names = ['core', 'testing', 'express', 'fastify', 'koa', 'gateway', 'redis', 'cli']
for (const name of names) {
  const exports = require(`@gitlab-id-token/${name}`)
  if (Object.keys(exports).length === 0 && name !== 'cli') throw new Error(`${name}: no exports`)
}
const { createVerifier } = require('@gitlab-id-token/core')
if (typeof createVerifier !== 'function') throw new Error('createVerifier missing')
console.log('cjs: require() of every package ok')

/**
 * `@gitlab-id-token/gateway`.
 *
 * @module
 */

export {}

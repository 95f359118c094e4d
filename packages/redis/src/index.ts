/**
 * `@gitlab-id-token/redis`.
 *
 * @module
 */

export {}

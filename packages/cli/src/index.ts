/**
 * `@gitlab-id-token/cli`.
 *
 * @module
 */

export {}

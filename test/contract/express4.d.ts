// Express 4 installed under an alias (npm:express@4) for the contract suite; its API surface used
// by the harness is the same as Express 5's, so reuse those types.
declare module 'express4' {
  import express from 'express'
  export default express
}

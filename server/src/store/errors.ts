/** The state store did not answer (Redis down, a timeout): refused as `store_unavailable`. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
  constructor(options?: { cause?: unknown }) {
    super('the state store does not answer', options)
  }
}

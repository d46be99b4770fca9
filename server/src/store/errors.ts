/** The state store did not answer (Redis down, a timeout): refused as `store_unavailable`. */
export class StoreUnavailableError extends Error {
  override readonly name: string = 'StoreUnavailableError'
  constructor(options?: { cause?: unknown }) {
    super('the state store does not answer', options)
  }
}

/**
 * The in-process store has no room for another record of a kind it never
 * evicts (a login): refused as `store_unavailable`, like a store that does not
 * answer, rather than signing someone else out to make room.
 */
export class StoreFullError extends StoreUnavailableError {
  override readonly name = 'StoreFullError'
  constructor(readonly kind: string) {
    super()
    this.message = `the in-process store holds as many ${kind} as it may`
  }
}

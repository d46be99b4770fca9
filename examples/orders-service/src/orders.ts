/** One order, placed by one user. */
export interface Order {
  id: number
  item: string
  quantity: number
  placedAt: string
}

/** What `orders.place` takes: checked by hand, so the example needs nothing beyond tRPC and the verifier. */
export interface PlaceOrder {
  item: string
  quantity: number
}

/** `input` as a {@link PlaceOrder}, or a thrown error (tRPC answers BAD_REQUEST). */
export function parsePlaceOrder(input: unknown): PlaceOrder {
  const { item, quantity } = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>
  if (typeof item !== 'string' || item.trim() === '' || item.length > 200) throw new Error('item: 1 to 200 characters')
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 100) {
    throw new Error('quantity: a whole number from 1 to 100')
  }
  return { item: item.trim(), quantity }
}

/** Orders in memory, keyed by the Boarding Pass user id (the token's `sub`). */
export class OrderBook {
  private readonly orders = new Map<string, Order[]>()
  private nextId = 1

  of(userId: string): Order[] {
    return [...(this.orders.get(userId) ?? [])]
  }

  place(userId: string, order: PlaceOrder): Order {
    const placed = { id: this.nextId++, ...order, placedAt: new Date().toISOString() }
    this.orders.set(userId, [...this.of(userId), placed])
    return placed
  }
}

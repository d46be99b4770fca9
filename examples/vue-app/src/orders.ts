import { createTRPCUntypedClient } from '@trpc/client'
import { boardingPassLink } from '@boarding-pass/client/trpc'
import { useBoardingPass } from '@boarding-pass/vue'

/** One order, as the orders service answers it. */
export interface Order {
  id: number
  item: string
  quantity: number
  placedAt: string
}

/**
 * The orders service's API, every call made with the user's access token.
 * (With the service's router type at hand, `createTRPCClient<OrdersRouter>` gives typed calls instead.)
 */
export function useOrders() {
  const { client } = useBoardingPass()
  const api = createTRPCUntypedClient({ links: [boardingPassLink(client, { url: `${import.meta.env.VITE_ORDERS_URL}/trpc` })] })
  return {
    mine: () => api.query('orders.mine') as Promise<{ owner: string; orders: Order[] }>,
    place: (item: string, quantity: number) => api.mutation('orders.place', { item, quantity }) as Promise<Order>,
  }
}

/** The orders service: an example resource server built only on `@boarding-pass/verify`. */
export {
  createOrdersRouter,
  startOrdersService,
  type OrdersRouter,
  type OrdersService,
  type OrdersServiceOptions,
} from './service.js'
export { OrderBook, parsePlaceOrder, type Order, type PlaceOrder } from './orders.js'

/// <reference types="vite/client" />

declare global {
  interface ImportMetaEnv {
    /** Boarding Pass's PUBLIC_URL. */
    readonly VITE_BOARDING_PASS_URL: string
    /** The orders service (its tRPC API is at `/trpc`). */
    readonly VITE_ORDERS_URL: string
  }
}

export {}

/**
 * Where the client keeps what must survive a reload: the refresh token and
 * each flow's Client Code (never the access token). The shape is the Web
 * Storage API's, so `sessionStorage` fits as it is; `key`/`length`, when
 * present, let the client drop flows that expired.
 */
export interface BoardingPassStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
  readonly length?: number
  key?(index: number): string | null
}

/**
 * A storage that lives as long as the client: for tests, Node and anything
 * without Web Storage. Nothing survives a restart.
 *
 * @example
 * ```ts
 * const client = createBoardingPassClient({ url, redirectUri, storage: memoryStorage() })
 * ```
 */
export function memoryStorage(): BoardingPassStorage {
  const items = new Map<string, string>()
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
    get length() {
      return items.size
    },
    key: (index) => [...items.keys()][index] ?? null,
  }
}

/** sessionStorage in a browser (per tab, gone with the tab); memory elsewhere or when it is blocked. */
export function defaultStorage(): BoardingPassStorage {
  try {
    const storage = globalThis.sessionStorage
    if (storage) {
      storage.getItem('boarding-pass:probe')
      return storage
    }
  } catch {
    // blocked (a sandboxed frame, say)
  }
  return memoryStorage()
}

/** Every key of a storage, when it can list them. */
export function storageKeys(storage: BoardingPassStorage): string[] {
  if (typeof storage.key !== 'function' || typeof storage.length !== 'number') return []
  const keys: string[] = []
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i)
    if (key !== null) keys.push(key)
  }
  return keys
}

/** Reads a JSON value, or undefined when it is missing or damaged. */
export function readJson(storage: BoardingPassStorage, key: string): unknown {
  try {
    const text = storage.getItem(key)
    return text === null ? undefined : (JSON.parse(text) as unknown)
  } catch {
    return undefined
  }
}

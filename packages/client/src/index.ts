export { createBoardingPassClient } from './client.js'
export type {
  BoardingPassClient,
  BoardingPassClientOptions,
  BoardingPassEvents,
  BoardingPassState,
  BoardingPassStatus,
  CallbackResult,
  CrossDeviceOptions,
  CrossDeviceSignIn,
  FlowStep,
  RefreshCause,
  SignInOptions,
  StartedSignIn,
} from './client-types.js'
export {
  BoardingPassError,
  CLIENT_REASONS,
  isBoardingPassError,
  type BoardingPassErrorSource,
  type BoardingPassReason,
  type ClientReason,
} from './errors.js'
export { maskSecret } from './events.js'
export { memoryStorage, type BoardingPassStorage } from './storage.js'
export type { StatusTransport } from './watch.js'
export type { CrossDeviceStatus, Provider, Session, SignOutScope, TokenResponse, User } from './types.js'
export { indexedDbKeyStore, memoryKeyStore, type Binding, type DpopKeyStore } from './dpop.js'

export {
  createBoardingPassClient,
  type BoardingPassClient,
  type BoardingPassClientOptions,
  type BoardingPassEvents,
  type BoardingPassState,
  type BoardingPassStatus,
  type CallbackResult,
  type CrossDeviceOptions,
  type CrossDeviceSignIn,
  type FlowStep,
  type RefreshCause,
  type SignInOptions,
  type StartedSignIn,
} from './client.js'
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

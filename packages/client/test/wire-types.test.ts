import { describe, expectTypeOf, it } from 'vitest'
import type {
  FlowStatusOutput,
  ProvidersOutput,
  TokenResponse as SharedTokenResponse,
  User as SharedUser,
} from '@boarding-pass/shared'
import type { CrossDeviceStatus, Provider, TokenResponse, User } from '@boarding-pass/client'

/**
 * The client declares the wire shapes as plain interfaces (no zod in its types);
 * these checks fail to compile, and so `pnpm typecheck` fails, when they drift
 * from the contract's schemas in @boarding-pass/shared.
 */
describe('the client’s wire types match the contract’s schemas', () => {
  it('user, provider, token response, cross-device status', () => {
    expectTypeOf<SharedUser>().toEqualTypeOf<User>()
    expectTypeOf<ProvidersOutput[number]>().toEqualTypeOf<Provider>()
    expectTypeOf<SharedTokenResponse>().toExtend<TokenResponse>()
    expectTypeOf<FlowStatusOutput['status']>().toEqualTypeOf<CrossDeviceStatus>()
  })
})

import type * as Shared from '@boarding-pass/shared'
import { reasons } from '@boarding-pass/shared'
import type * as Verify from '@boarding-pass/verify'
import { describe, expect, expectTypeOf, it } from 'vitest'

/**
 * @boarding-pass/verify copies the few contract types it needs instead of
 * importing @boarding-pass/shared (which would install zod). These keep the
 * copies honest: a change on one side that the other does not follow fails
 * the typecheck (`pnpm typecheck` covers test/) or this run.
 */
describe("@boarding-pass/verify's copies of the contract's types", () => {
  it('AccessTokenClaims: the same claims on both sides', () => {
    expectTypeOf<Verify.AccessTokenClaims>().toEqualTypeOf<Shared.AccessTokenClaims>()
  })

  it('User and IntrospectOutput: what the server answers is what the verifier returns', () => {
    expectTypeOf<Verify.User>().toEqualTypeOf<Shared.User>()
    expectTypeOf<Shared.IntrospectOutput>().toMatchTypeOf<Verify.IntrospectOutput>()
  })

  it("the verifier's reasons are the contract's", () => {
    const verifierReasons: Verify.VerifyReason[] = ['invalid_token', 'store_unavailable']
    expect(reasons).toEqual(expect.arrayContaining(verifierReasons))
    expectTypeOf<Verify.VerifyReason>().toMatchTypeOf<Shared.Reason>()
  })
})

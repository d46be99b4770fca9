/** Polls `/readyz` and the JWKS until both answer 200 (the store answers and the signing keys are loaded), or `ms` pass. */
export async function untilReady(address: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const ok = await Promise.all(
      ['/readyz', '/.well-known/jwks.json'].map((path) =>
        fetch(`${address}${path}`).then(
          async (response) => {
            await response.body?.cancel()
            return response.status === 200
          },
          () => false,
        ),
      ),
    )
    if (ok.every(Boolean)) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/**
 * Leaves the app for another page (the provider's login). A module of its own so
 * unit tests, which have no real page to leave, can stand in for it.
 */
export function leaveFor(url: string): void {
  window.location.assign(url)
}

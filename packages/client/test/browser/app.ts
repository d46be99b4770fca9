/**
 * The smallest app on @boarding-pass/client, for the Chromium tests: it starts
 * the client on every page load and shows its status; the tests drive the
 * client itself through `window.bp`. `?tabSync=0` turns tab sync off (the
 * control that shows the trap is real).
 */
import { createBoardingPassClient, type BoardingPassClient } from '@boarding-pass/client'

declare global {
  interface Window {
    bp: BoardingPassClient
    bpReady: Promise<unknown>
    bpEvents: string[]
  }
}

const tabSync = new URLSearchParams(location.search).get('tabSync') !== '0' && sessionStorage.getItem('tabSync') !== '0'
const client = createBoardingPassClient({ url: location.origin, tabSync })
window.bp = client
window.bpEvents = []
const status = document.createElement('p')
status.dataset.testId = 'status'
document.body.append(status)
client.subscribe((state) => {
  status.textContent = state.status
  status.dataset.user = state.user?.name ?? ''
})
client.on('signed-out', ({ reason }) => window.bpEvents.push(`signed-out:${reason}`))
client.on('refresh', ({ cause }) => window.bpEvents.push(`refresh:${cause}`))
client.on('error', (error) => window.bpEvents.push(`error:${error.reason}`))
window.bpReady = client.init()

/**
 * What this device calls itself when it asks a phone to approve a sign-in
 * (`deviceName` in `auth.start`): "Chrome on macOS", short and coarse, from the
 * User-Agent. The phone shows it next to what the server saw, so the user can
 * tell the request came from the screen in front of them.
 *
 * @example
 * ```ts
 * describeThisDevice('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15')
 * // 'Safari on macOS'
 * ```
 */
export function describeThisDevice(userAgent: string): string {
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'Browser'
  const os = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1]
  return os ? `${browser} on ${os}` : browser
}

/** First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrom(e|ium)\/|CriOS\//, 'Chrome'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
]

/** iPads that ask for the desktop site say "Macintosh"; they are reported as macOS, which is what they claim. */
const SYSTEMS: [RegExp, string][] = [
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Windows/, 'Windows'],
  [/Linux/, 'Linux'],
]

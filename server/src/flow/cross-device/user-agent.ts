/**
 * A short, human description of a User-Agent ("Chrome on macOS"), for the
 * approving user to compare with the device they hold. Deliberately coarse: it
 * is a hint, not an identity.
 */
export function describeUserAgent(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').slice(0, 512)
  if (!ua) return 'an unknown device'
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrom(e|ium)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua) && /Version\//.test(ua)
            ? 'Safari'
            : /^node|undici|node-fetch/i.test(ua)
              ? 'a command-line app'
              : /curl\//i.test(ua)
                ? 'curl'
                : 'a browser'
  const os = /iPhone|iPad|iPod/.test(ua)
    ? 'iOS'
    : /Android/.test(ua)
      ? 'Android'
      : /CrOS/.test(ua)
        ? 'ChromeOS'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Windows/.test(ua)
            ? 'Windows'
            : /Linux/.test(ua)
              ? 'Linux'
              : undefined
  return os ? `${browser} on ${os}` : browser
}

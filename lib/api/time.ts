/**
 * @module lib/api/time
 * metav1.Time as it marshals: RFC 3339 in UTC with second precision. Every write stamps one or two
 * (creationTimestamp, managedFields times), so the string is built once per second, not per call.
 */

let cachedSecond = Number.NaN
let cachedStamp = ''

export function nowTimestamp(): string {
  const second = Math.floor(Date.now() / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedStamp = new Date(second * 1000).toISOString().replace('.000Z', 'Z')
  }
  return cachedStamp
}

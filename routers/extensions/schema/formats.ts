/**
 * @module routers/extensions/schema/formats
 * The string formats kube-apiserver checks in custom resources (apiextensions-apiserver
 * pkg/apiserver/validation/formats.go, kube-openapi strfmt.Default). A format outside this set is
 * accepted and ignored, as kube does; number formats (int32, int64, float, double) only document
 * the width and are ignored here too.
 */
import type { Ajv } from 'ajv'
import addFormats from 'ajv-formats'

/** Formats ajv-formats implements close enough to Go's strfmt. */
const fromAjvFormats = ['ipv4', 'ipv6', 'uuid', 'email', 'hostname', 'uri', 'date', 'byte'] as const

/** Formats with our own checks, written after strfmt's regular expressions and parsers. */
const custom: Record<string, RegExp | ((s: string) => boolean)> = {
  // strfmt.ParseDateTime accepts RFC 3339 and its ISO 8601 relatives (no zone, minutes only).
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/,
  datetime: /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/,
  uuid3: /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  uuid4: /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i,
  uuid5: /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i,
  bsonobjectid: /^[0-9a-f]{24}$/i,
  hexcolor: /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i,
  rgbcolor: /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/,
  mac: /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$|^([0-9a-f]{2}[:-]){7}[0-9a-f]{2}$|^([0-9a-f]{2}[:-]){19}[0-9a-f]{2}$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i,
  cidr: isCIDR,
  ssn: /^\d{3}[- ]?\d{2}[- ]?\d{4}$/,
  isbn: /^(?:\d[\d -]{8,15}[\dX])$/,
  isbn10: /^(?:\d[\d -]{8}[\dX]|\d{9}[\dX])$/,
  isbn13: /^(?:97[89][\d -]{10,14})$/,
  creditcard: /^(?:4\d{12}(?:\d{3})?|5[1-5]\d{14}|6(?:011|5\d\d)\d{12}|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11}|(?:2131|1800|35\d{3})\d{11})$/,
  password: () => true,
  // strfmt.ParseDuration: Go durations ("1h30m") or "<n> <unit>" with spelled-out units.
  duration:
    /^(([+-]?\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+|\d+\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|sec|min|hr)|0)$/,
}

/** Every format kube validates; others are dropped from the compiled schema. */
export const knownFormats: ReadonlySet<string> = new Set([...fromAjvFormats, ...Object.keys(custom)])

export function addKubeFormats(ajv: Ajv): void {
  addFormats.default(ajv, [...fromAjvFormats])
  for (const [name, check] of Object.entries(custom)) {
    ajv.addFormat(name, typeof check === 'function' ? { type: 'string', validate: check } : check)
  }
}

function isCIDR(s: string): boolean {
  const slash = s.indexOf('/')
  if (slash < 0) return false
  const ip = s.slice(0, slash)
  const bits = s.slice(slash + 1)
  if (!/^\d{1,3}$/.test(bits)) return false
  const n = Number(bits)
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return n <= 32 && ip.split('.').every((p) => Number(p) <= 255)
  return ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip) && n <= 128
}

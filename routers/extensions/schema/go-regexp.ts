/**
 * @module routers/extensions/schema/go-regexp
 * CRD patterns are Go (RE2) regular expressions. JavaScript's RegExp reads nearly all of them; this
 * translates the RE2-only syntax real CRDs use: inline flag groups such as "(?i)" (applied to the
 * whole expression, which is how they are written in practice) and \A, \z anchors.
 */

export interface TranslatedRegExp {
  source: string
  flags: string
}

export function translateGoRegExp(pattern: string): TranslatedRegExp {
  let flags = ''
  const source = pattern
    .replace(/\(\?([imsU]+)\)/g, (_, f: string) => {
      for (const c of f) if (c !== 'U' && !flags.includes(c)) flags += c
      return ''
    })
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
  return { source, flags }
}

/** new RegExp for a Go pattern; throws a SyntaxError as RegExp does. */
export function goRegExp(pattern: string): RegExp {
  const t = translateGoRegExp(pattern)
  return new RegExp(t.source, t.flags)
}

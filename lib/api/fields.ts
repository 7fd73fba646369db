/**
 * @module lib/api/fields
 * Field selectors as apimachinery pkg/fields/selector.go (release-1.32) parses them: comma-ANDed
 * field=value, field==value and field!=value terms with backslash escaping in values. The errors
 * carry Kubernetes' exact text because kube-apiserver returns it verbatim in a 400.
 */
import { compareStrings } from './validation.js'

export type FieldSelectorOperator = '=' | '!='

/** fields.Requirement; "==" parses to "=" as in Go. */
export interface FieldRequirement {
  field: string
  operator: FieldSelectorOperator
  value: string
}

export interface FieldSelector {
  /** The terms in canonical order (sorted by their source text). */
  requirements: FieldRequirement[]
  /** A missing field reads as "", so "spec.nodeName=" selects objects without one. */
  matches(fields: Record<string, string>): boolean
  /** True when nothing is restricted ("" or only empty terms). */
  empty: boolean
  /** The canonical form, values escaped: "metadata.name=a\,b,status.phase!=Running". */
  toString(): string
}

/** EscapeValue: prefixes \ , and = with a backslash. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c)
}

/**
 * UnescapeValue: undoes escapeFieldValue; throws an Error with Go's message for an unknown escape
 * or a bare , or = (Go prints that rune as its number, hence "unescaped character in value: 61").
 */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s
  let out = ''
  let inSlash = false
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new Error(`invalid field selector: invalid escape sequence: \\${c}`)
      out += c
      inSlash = false
      continue
    }
    if (c === '\\') inSlash = true
    else if (c === ',' || c === '=') throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`)
    else out += c
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\')
  return out
}

/** splitTerms: splits on commas that are not escaped; the backslashes stay in the terms. */
export function splitFieldSelectorTerms(selector: string): string[] {
  if (selector.length === 0) return []
  const terms: string[] = []
  let start = 0
  let inSlash = false
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i]
    if (inSlash) inSlash = false
    else if (c === '\\') inSlash = true
    else if (c === ',') {
      terms.push(selector.slice(start, i))
      start = i + 1
    }
  }
  terms.push(selector.slice(start))
  return terms
}

// "!=" and "==" come before "=" so that "a==b" does not split into "a" and "=b".
const termOperators = ['!=', '==', '='] as const

/** splitTerm: the lhs has no escaping, so the first operator found is the split point. */
export function splitFieldSelectorTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) }
    }
  }
  return undefined
}

class Selector implements FieldSelector {
  readonly requirements: FieldRequirement[]
  readonly empty: boolean

  constructor(requirements: FieldRequirement[]) {
    this.requirements = requirements
    this.empty = requirements.length === 0
  }

  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => {
      const actual = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : ''
      return r.operator === '=' ? actual === r.value : actual !== r.value
    })
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',')
  }
}

/** fields.Everything() */
export const everythingFieldSelector: FieldSelector = new Selector([])

/**
 * fields.ParseSelector. Terms are sorted by their text first (for a deterministic String()), and
 * a term with an empty field and value ("=") selects everything, as Go's identity Transform does.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitFieldSelectorTerms(selector).sort(compareStrings)
  const requirements: FieldRequirement[] = []
  for (const part of parts) {
    if (part === '') continue
    const term = splitFieldSelectorTerm(part)
    if (!term) throw new Error(`invalid selector: '${selector}'; can't understand '${part}'`)
    const value = unescapeFieldValue(term.rhs)
    if (term.lhs === '' && value === '') continue
    requirements.push({ field: term.lhs, operator: term.op === '!=' ? '!=' : '=', value })
  }
  return new Selector(requirements)
}

/** SelectorFromSet: field=value for each entry (in the set's order, as Go's map gives no order). */
export function fieldSelectorFromSet(set: Record<string, string> | undefined | null): FieldSelector {
  return new Selector(Object.entries(set ?? {}).map(([field, value]) => ({ field, operator: '=' as const, value })))
}

/**
 * Selector.RequiresExactMatch: the value of the first field=value term on field, or undefined
 * when none pins it ("" is a real answer: "metadata.name=" pins the empty name).
 */
export function requiresExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value
}

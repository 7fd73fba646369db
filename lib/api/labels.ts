/**
 * @module lib/api/labels
 * Label selectors as apimachinery pkg/labels/selector.go (release-1.32) implements them: the
 * lexer and recursive-descent parser behind ?labelSelector=, Requirement matching, the canonical
 * String() form, and metav1.LabelSelector (matchLabels/matchExpressions) conversion. Parse errors
 * carry Kubernetes' exact text because kube-apiserver returns it verbatim in a 400.
 */
import type { FieldError } from './field-errors.js'
import { aggregateMessage, fieldErrorMessage, invalid, notSupported } from './field-errors.js'
import type { LabelSelectorObject } from './validation.js'
import { compareStrings, goQuote, goStringSlice, isQualifiedName, isValidLabelValue, parseGoInt64 } from './validation.js'

export type { LabelSelectorObject, LabelSelectorRequirementObject } from './validation.js'

/** selection.Operator values: gt/lt and exists are spelled as Go spells them. */
export type LabelOperator = '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'exists' | 'gt' | 'lt'

/** One ANDed term of a selector; values are sorted and unique when they come from the parser. */
export interface LabelRequirement {
  readonly key: string
  readonly operator: LabelOperator
  readonly values: readonly string[]
}

export interface LabelSelector {
  matches(labels: Record<string, string> | undefined): boolean
  /** True when the selector does not restrict anything (Everything, or ""). */
  readonly empty: boolean
  /** The canonical form: requirements sorted by key, e.g. "app=web,tier in (a,b),!canary". */
  toString(): string
  readonly requirements: readonly LabelRequirement[]
  /** The single value the selector pins label to with =, == or a one-value in; undefined otherwise. */
  requiresExactMatch(label: string): string | undefined
}

// The order Go lists them in, which its error messages repeat.
const binaryOperators: readonly LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt']
const validRequirementOperators: readonly LabelOperator[] = [...binaryOperators, 'exists', '!']

// ---------------------------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------------------------

/** A field.Path that may be nil: Go prints a nil path as "<nil>", and Child(nil, x) is just x. */
function childPath(path: string | undefined, name: string): string {
  return path === undefined ? name : `${path}.${name}`
}

function sliceError(fieldPath: string, values: readonly string[] | null, detail: string): FieldError {
  const e = invalid(fieldPath, values === null ? null : [...values], detail)
  e.badValueText = goStringSlice(values)
  return e
}

function quotedInvalid(fieldPath: string, value: string, detail: string): FieldError {
  const e = invalid(fieldPath, value, detail)
  const q = goQuote(value)
  if (q !== JSON.stringify(value)) e.badValueText = q
  return e
}

function validateLabelKey(key: string, path: string | undefined): FieldError | undefined {
  const errs = isQualifiedName(key)
  return errs.length > 0 ? quotedInvalid(path ?? '<nil>', key, errs.join('; ')) : undefined
}

function validateLabelValue(key: string, value: string, path: string): FieldError | undefined {
  const errs = isValidLabelValue(value)
  return errs.length > 0 ? quotedInvalid(`${path}[${key}]`, value, errs.join('; ')) : undefined
}

/**
 * NewRequirement. `values` null stands for a nil Go slice, which error messages print as
 * []string(nil) rather than []string{}. Returns the requirement along with its errors, as Go does.
 */
function buildRequirement(
  key: string,
  op: LabelOperator,
  values: readonly string[] | null,
  path: string | undefined,
): { requirement: LabelRequirement; errs: FieldError[] } {
  const errs: FieldError[] = []
  const vals = values ?? []
  const keyErr = validateLabelKey(key, childPath(path, 'key'))
  if (keyErr) errs.push(keyErr)
  const valuePath = childPath(path, 'values')
  switch (op) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(sliceError(valuePath, values, "for 'in', 'notin' operators, values set can't be empty"))
      break
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) errs.push(sliceError(valuePath, values, 'exact-match compatibility requires one single value'))
      break
    case 'exists':
    case '!':
      if (vals.length !== 0) errs.push(sliceError(valuePath, values, 'values set must be empty for exists and does not exist'))
      break
    case 'gt':
    case 'lt':
      if (vals.length !== 1) errs.push(sliceError(valuePath, values, "for 'Gt', 'Lt' operators, exactly one value is required"))
      vals.forEach((v, i) => {
        if (parseGoInt64(v) === undefined) errs.push(quotedInvalid(`${valuePath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"))
      })
      break
    default:
      errs.push(notSupported(childPath(path, 'operator'), op, validRequirementOperators))
  }
  vals.forEach((v, i) => {
    const err = validateLabelValue(key, v, `${valuePath}[${i}]`)
    if (err) errs.push(err)
  })
  return { requirement: { key, operator: op, values: [...vals] }, errs }
}

/** NewRequirement as a public constructor: throws an Error with the aggregated message when invalid. */
export function newLabelRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const { requirement, errs } = buildRequirement(key, operator, values, undefined)
  if (errs.length > 0) throw new Error(aggregateMessage(errs))
  return requirement
}

function has(labels: Record<string, string>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key)
}

/** Requirement.Matches */
export function requirementMatches(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const ls = labels ?? {}
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has(ls, r.key) && r.values.includes(ls[r.key]!)
    case 'notin':
    case '!=':
      return !has(ls, r.key) || !r.values.includes(ls[r.key]!)
    case 'exists':
      return has(ls, r.key)
    case '!':
      return !has(ls, r.key)
    case 'gt':
    case 'lt': {
      if (!has(ls, r.key)) return false
      const actual = parseGoInt64(String(ls[r.key]))
      if (actual === undefined || r.values.length !== 1) return false
      const wanted = parseGoInt64(r.values[0]!)
      if (wanted === undefined) return false
      return r.operator === 'gt' ? actual > wanted : actual < wanted
    }
    default:
      return false
  }
}

/** Requirement.String(): values of in/notin print sorted, without changing the requirement. */
export function requirementString(r: LabelRequirement): string {
  let s = (r.operator === '!' ? '!' : '') + r.key
  switch (r.operator) {
    case '=':
    case '==':
    case '!=':
      s += r.operator
      break
    case 'in':
    case 'notin':
      s += ` ${r.operator} `
      break
    case 'gt':
      s += '>'
      break
    case 'lt':
      s += '<'
      break
    case 'exists':
    case '!':
      return s
  }
  const setBased = r.operator === 'in' || r.operator === 'notin'
  if (setBased) s += '('
  s += r.values.length === 1 ? r.values[0] : [...r.values].sort(compareStrings).join(',')
  if (setBased) s += ')'
  return s
}

class InternalSelector implements LabelSelector {
  readonly requirements: readonly LabelRequirement[]
  readonly empty: boolean

  constructor(requirements: readonly LabelRequirement[]) {
    this.requirements = requirements
    this.empty = requirements.length === 0
  }

  matches(labels: Record<string, string> | undefined): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels))
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',')
  }

  requiresExactMatch(label: string): string | undefined {
    const r = this.requirements.find((req) => req.key === label)
    if (r && (r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0]
    return undefined
  }
}

/** labels.Nothing(): matches nothing, yet is not "empty" (it restricts everything). */
class NothingSelector implements LabelSelector {
  readonly requirements: readonly LabelRequirement[] = []
  readonly empty = false
  matches(): boolean {
    return false
  }
  toString(): string {
    return ''
  }
  requiresExactMatch(): string | undefined {
    return undefined
  }
}

/** labels.Everything() */
export const everythingLabelSelector: LabelSelector = new InternalSelector([])

/** labels.Nothing() */
export const nothingLabelSelector: LabelSelector = new NothingSelector()

/** Sorted by key, as Selector.Add and parse do, so that String() is deterministic. */
function sortedByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => compareStrings(a.key, b.key))
}

/** A selector from requirements built elsewhere (Selector.Add on an empty selector). */
export function labelSelectorFromRequirements(requirements: readonly LabelRequirement[]): LabelSelector {
  return new InternalSelector(sortedByKey([...requirements]))
}

/** SelectorFromSet: key=value for each entry, unvalidated; nil or {} is Everything. */
export function labelSelectorFromSet(set: Record<string, string> | undefined | null): LabelSelector {
  const entries = Object.entries(set ?? {})
  return new InternalSelector(sortedByKey(entries.map(([key, value]) => ({ key, operator: '=' as const, values: [value] }))))
}

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

export type LabelToken =
  | 'ErrorToken'
  | 'EndOfStringToken'
  | 'ClosedParToken'
  | 'CommaToken'
  | 'DoesNotExistToken'
  | 'DoubleEqualsToken'
  | 'EqualsToken'
  | 'GreaterThanToken'
  | 'IdentifierToken'
  | 'InToken'
  | 'LessThanToken'
  | 'NotEqualsToken'
  | 'NotInToken'
  | 'OpenParToken'

export interface ScannedItem {
  token: LabelToken
  literal: string
}

const string2token: ReadonlyMap<string, LabelToken> = new Map<string, LabelToken>([
  [')', 'ClosedParToken'],
  [',', 'CommaToken'],
  ['!', 'DoesNotExistToken'],
  ['==', 'DoubleEqualsToken'],
  ['=', 'EqualsToken'],
  ['>', 'GreaterThanToken'],
  ['in', 'InToken'],
  ['<', 'LessThanToken'],
  ['!=', 'NotEqualsToken'],
  ['notin', 'NotInToken'],
  ['(', 'OpenParToken'],
])

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n'
const isSpecialSymbol = (ch: string) => ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<'

/**
 * The label selector lexer. Go reads bytes and treats a NUL byte like the end of input; '\0'
 * plays that role here. Every special symbol and separator is ASCII, so reading UTF-16 units
 * splits a string exactly where Go's byte reader does.
 */
class Lexer {
  private pos = 0
  constructor(private readonly s: string) {}

  private read(): string {
    if (this.pos < this.s.length) return this.s[this.pos++]!
    return '\0'
  }

  private unread(): void {
    this.pos--
  }

  private scanIDOrKeyword(): ScannedItem {
    let buffer = ''
    for (;;) {
      const ch = this.read()
      if (ch === '\0') break
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        this.unread()
        break
      }
      buffer += ch
    }
    return { token: string2token.get(buffer) ?? 'IdentifierToken', literal: buffer }
  }

  /** Longest match among the operator tokens: "!=" beats "!", "==" beats "=". */
  private scanSpecialSymbol(): ScannedItem {
    let last: ScannedItem | undefined
    let buffer = ''
    for (;;) {
      const ch = this.read()
      if (ch === '\0') break
      if (!isSpecialSymbol(ch)) {
        this.unread()
        break
      }
      buffer += ch
      const token = string2token.get(buffer)
      if (token) {
        last = { token, literal: buffer }
      } else if (last) {
        this.unread()
        break
      }
    }
    return last ?? { token: 'ErrorToken', literal: `error expected: keyword found '${buffer}'` }
  }

  lex(): ScannedItem {
    let ch = this.read()
    while (isWhitespace(ch)) ch = this.read()
    if (ch === '\0') return { token: 'EndOfStringToken', literal: '' }
    this.unread()
    return isSpecialSymbol(ch) ? this.scanSpecialSymbol() : this.scanIDOrKeyword()
  }
}

/** Every token of s up to and including EndOfStringToken (Parser.scan), for tests and tools. */
export function scanLabelSelector(s: string): ScannedItem[] {
  const l = new Lexer(s)
  const items: ScannedItem[] = []
  for (;;) {
    const item = l.lex()
    items.push(item)
    if (item.token === 'EndOfStringToken') return items
  }
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/** In a value position "in" and "notin" are plain identifiers ("x in (in)", "notin=in"). */
type ParserContext = 'KeyAndOperator' | 'Values'

class Parser {
  private readonly items: ScannedItem[]
  private position = 0

  constructor(
    selector: string,
    private readonly path: string | undefined,
  ) {
    this.items = scanLabelSelector(selector)
  }

  private item(i: number, context: ParserContext): ScannedItem {
    // Never past EndOfStringToken: the grammar stops there, this only guards the array bounds.
    const it = this.items[Math.min(i, this.items.length - 1)]!
    if (context === 'Values' && (it.token === 'InToken' || it.token === 'NotInToken')) return { token: 'IdentifierToken', literal: it.literal }
    return it
  }

  private lookahead(context: ParserContext): ScannedItem {
    return this.item(this.position, context)
  }

  private consume(context: ParserContext): ScannedItem {
    return this.item(this.position++, context)
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = []
    for (;;) {
      const { token, literal } = this.lookahead('Values')
      if (token === 'IdentifierToken' || token === 'DoesNotExistToken') {
        let r: LabelRequirement
        try {
          r = this.parseRequirement()
        } catch (err) {
          throw new Error(`unable to parse requirement: ${(err as Error).message}`, { cause: err })
        }
        requirements.push(r)
        const next = this.consume('Values')
        if (next.token === 'EndOfStringToken') return requirements
        if (next.token === 'CommaToken') {
          const after = this.lookahead('Values')
          if (after.token !== 'IdentifierToken' && after.token !== 'DoesNotExistToken') {
            throw new Error(`found '${after.literal}', expected: identifier after ','`)
          }
        } else {
          throw new Error(`found '${next.literal}', expected: ',' or 'end of string'`)
        }
      } else if (token === 'EndOfStringToken') {
        return requirements
      } else {
        throw new Error(`found '${literal}', expected: !, identifier, or 'end of string'`)
      }
    }
  }

  private newRequirement(key: string, op: LabelOperator, values: readonly string[]): LabelRequirement {
    const { requirement, errs } = buildRequirement(key, op, values, this.path)
    if (errs.length > 0) throw new Error(aggregateMessage(errs))
    return requirement
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator } = this.parseKeyAndInferOperator()
    if (operator === 'exists' || operator === '!') return this.newRequirement(key, operator, [])
    const op = this.parseOperator()
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue()
    // sets.String.List(): unique and sorted.
    return this.newRequirement(key, op, [...new Set(values)].sort(compareStrings))
  }

  /** The key, and the operator when it is unary: "!key", or a bare "key" before ',' or the end. */
  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | '' } {
    let operator: LabelOperator | '' = ''
    let { token, literal } = this.consume('Values')
    if (token === 'DoesNotExistToken') {
      operator = '!'
      ;({ token, literal } = this.consume('Values'))
    }
    if (token !== 'IdentifierToken') throw new Error(`found '${literal}', expected: identifier`)
    const err = validateLabelKey(literal, this.path)
    if (err) throw new Error(fieldErrorMessage(err))
    const t = this.lookahead('Values').token
    if ((t === 'EndOfStringToken' || t === 'CommaToken') && operator !== '!') operator = 'exists'
    return { key: literal, operator }
  }

  private parseOperator(): LabelOperator {
    const { token, literal } = this.consume('KeyAndOperator')
    switch (token) {
      case 'InToken':
        return 'in'
      case 'EqualsToken':
        return '='
      case 'DoubleEqualsToken':
        return '=='
      case 'GreaterThanToken':
        return 'gt'
      case 'LessThanToken':
        return 'lt'
      case 'NotInToken':
        return 'notin'
      case 'NotEqualsToken':
        return '!='
      default:
        throw new Error(`found '${literal}', expected: ${binaryOperators.join(', ')}`)
    }
  }

  /** "(a,b,c)"; "()" is the set holding just the empty string. */
  private parseValues(): string[] {
    const open = this.consume('Values')
    if (open.token !== 'OpenParToken') throw new Error(`found '${open.literal}' expected: '('`)
    const { token, literal } = this.lookahead('Values')
    if (token === 'IdentifierToken' || token === 'CommaToken') {
      const s = this.parseIdentifiersList()
      // Go reports the literal it looked at before the list here, not the one it just consumed.
      if (this.consume('Values').token !== 'ClosedParToken') throw new Error(`found '${literal}', expected: ')'`)
      return s
    }
    if (token === 'ClosedParToken') {
      this.consume('Values')
      return ['']
    }
    throw new Error(`found '${literal}', expected: ',', ')' or identifier`)
  }

  /** A comma-separated list in which empty entries ("(a,,b)", "(,a)", "(a,)") mean "". */
  private parseIdentifiersList(): string[] {
    const s: string[] = []
    for (;;) {
      const { token, literal } = this.consume('Values')
      if (token === 'IdentifierToken') {
        s.push(literal)
        const next = this.lookahead('Values')
        if (next.token === 'CommaToken') continue
        if (next.token === 'ClosedParToken') return s
        throw new Error(`found '${next.literal}', expected: ',' or ')'`)
      } else if (token === 'CommaToken') {
        if (s.length === 0) s.push('')
        const next = this.lookahead('Values').token
        if (next === 'ClosedParToken') {
          s.push('')
          return s
        }
        if (next === 'CommaToken') {
          this.consume('Values')
          s.push('')
        }
      } else {
        throw new Error(`found '${literal}', expected: ',', or identifier`)
      }
    }
  }

  /** The value after =, ==, !=, > or <; nothing before ',' or the end means "". */
  private parseExactValue(): string[] {
    const t = this.lookahead('Values').token
    if (t === 'EndOfStringToken' || t === 'CommaToken') return ['']
    const { token, literal } = this.consume('Values')
    if (token === 'IdentifierToken') return [literal]
    throw new Error(`found '${literal}', expected: identifier`)
  }
}

/**
 * labels.Parse: the ?labelSelector= syntax. Throws an Error whose message is exactly what
 * kube-apiserver puts in its 400 (e.g. "unable to parse requirement: values[0][app]: Invalid
 * value: ..." or "found ',', expected: identifier after ','"); callers use it as is.
 *
 *   <selector>    ::= <requirement> | <requirement> "," <selector>
 *   <requirement> ::= [!] KEY [ ("in"|"notin") "(" VALUES ")" | ("="|"=="|"!="|">"|"<") VALUE ]
 */
export function parseLabelSelector(s: string): LabelSelector {
  return new InternalSelector(sortedByKey(new Parser(s, undefined).parse()))
}

// ---------------------------------------------------------------------------------------------
// metav1.LabelSelector
// ---------------------------------------------------------------------------------------------

const expressionOperators: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
}

/**
 * metav1.LabelSelectorAsSelector: a missing selector matches nothing, an empty one everything.
 * Throws an Error with Kubernetes' message when a requirement is invalid; validate the object
 * with validateLabelSelector first to report field errors instead.
 */
export function labelSelectorFromObject(ps: LabelSelectorObject | null | undefined): LabelSelector {
  if (ps === null || ps === undefined) return nothingLabelSelector
  const matchLabels = Object.entries(ps.matchLabels ?? {})
  const matchExpressions = ps.matchExpressions ?? []
  if (matchLabels.length + matchExpressions.length === 0) return everythingLabelSelector
  // Non-strings cannot come out of Go's decoder; validateLabelSelector reports them as field errors.
  const notString = (what: string) => new Error(`${what} must be a string`)
  const requirements: LabelRequirement[] = []
  for (const [k, v] of matchLabels) {
    if (typeof v !== 'string') throw notString(`matchLabels[${k}]`)
    const { requirement, errs } = buildRequirement(k, '=', [v], undefined)
    if (errs.length > 0) throw new Error(aggregateMessage(errs))
    requirements.push(requirement)
  }
  for (const expr of matchExpressions) {
    const op = Object.prototype.hasOwnProperty.call(expressionOperators, expr.operator) ? expressionOperators[expr.operator] : undefined
    if (op === undefined) throw new Error(`${goQuote(String(expr.operator))} is not a valid label selector operator`)
    // append([]string(nil), values...) is nil for no values, which the messages print as such.
    const values = Array.isArray(expr.values) && expr.values.length > 0 ? [...expr.values] : null
    if (typeof expr.key !== 'string') throw notString('matchExpressions key')
    if (values?.some((v) => typeof v !== 'string')) throw notString('matchExpressions values')
    const { requirement, errs } = buildRequirement(expr.key, op, values, undefined)
    if (errs.length > 0) throw new Error(aggregateMessage(errs))
    requirements.push(requirement)
  }
  return new InternalSelector(sortedByKey(requirements))
}

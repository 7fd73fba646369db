/**
 * @module routers/extensions/jsonpath
 * The subset of kubectl's JSONPath that additionalPrinterColumns and selectableFields use
 * (k8s.io/client-go/util/jsonpath, without braces): dotted fields, ['quoted'] fields, [n]
 * indexes, [*] and filters [?(@.a.b=="x")]. Returns every match, as the printer's FindResults.
 */

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; value: string } }

const cache = new Map<string, Step[]>()

function parse(path: string): Step[] {
  const cached = cache.get(path)
  if (cached) return cached
  const steps: Step[] = []
  let i = 0
  while (i < path.length) {
    const c = path[i]
    if (c === '.') {
      i++
      let j = i
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++
      if (j > i) steps.push({ field: path.slice(i, j) })
      i = j
    } else if (c === '[') {
      const end = path.indexOf(']', i)
      if (end < 0) break
      const inner = path.slice(i + 1, end).trim()
      i = end + 1
      if (inner === '*') steps.push({ all: true })
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) })
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) })
      else {
        const m = /^\?\(@((?:\.[^.=!<>]+)+)\s*==\s*['"]?(.*?)['"]?\)$/.exec(inner)
        if (m) steps.push({ filter: { path: m[1]!.split('.').filter(Boolean), value: m[2]! } })
      }
    } else {
      let j = i
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++
      steps.push({ field: path.slice(i, j) })
      i = j
    }
  }
  cache.set(path, steps)
  return steps
}

function child(v: unknown, key: string): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined
}

/** Every value the path selects in obj (empty when nothing matches). */
export function findResults(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj]
  for (const step of parse(path.trim().replace(/^\{|\}$/g, ''))) {
    const next: unknown[] = []
    for (const v of current) {
      if ('field' in step) {
        const c = child(v, step.field)
        if (c !== undefined) next.push(c)
      } else if ('index' in step) {
        if (Array.isArray(v)) {
          const c = v[step.index < 0 ? v.length + step.index : step.index]
          if (c !== undefined) next.push(c)
        }
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v)
        else if (v !== null && typeof v === 'object') next.push(...Object.values(v))
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item
          for (const k of step.filter.path) x = child(x, k)
          if (x !== undefined && String(x) === step.filter.value) next.push(item)
        }
      }
    }
    current = next
  }
  return current
}

/**
 * @module routers/extensions/cel/escaping
 * How schema property names appear as CEL field names (k8s.io/apiserver/pkg/cel/escaping.go):
 * reserved words become __word__, and "__", ".", "-", "/" are spelled out, so that
 * `self.__namespace__` reads the property "namespace". Names that cannot be escaped are invisible.
 */

const reserved = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import',
  'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
])

const spelled: Record<string, string> = { __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' }

/** The CEL field name of a property, or undefined when the property is not accessible from CEL. */
export function escapePropertyName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined
  if (reserved.has(name)) return `__${name}__`
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined
  return name.replace(/__|[-./]/g, (s) => spelled[s]!)
}

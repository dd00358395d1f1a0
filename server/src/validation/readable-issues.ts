/**
 * Turns schema validation errors (TypeBox's, shaped like Ajv's) into sentences a person can act on:
 * "kind must be one of group, public", "name is required", "extra is not an allowed field".
 * HTTP replies and realtime error frames both use it, so a field is named the same way everywhere.
 */
import type { TSchema } from 'typebox'
import type { Compile } from 'typebox/compile'
import { VISIBLE_TEXT_PATTERN } from '@parley/protocol'

/** Patterns of the protocol described in words; a raw regular expression helps nobody. */
const patternWords: Record<string, string> = {
  [VISIBLE_TEXT_PATTERN]: 'must not be blank or contain control characters',
}

/** One problem with one field: `field` is a dotted path (`auth.token`), or the part's name at the root. */
export type ReadableIssue = { field: string; message: string }

/** The fields of a TypeBox / Ajv error this module reads. */
export type SchemaError = {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string | undefined
}

/** At most this many issues are reported: a hostile body must not make a huge reply. */
export const MAX_ISSUES = 10

function fieldOf(instancePath: string, root: string): string {
  if (!instancePath) return root
  return instancePath
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.')
}

function child(field: string, root: string, name: string): string {
  return field === root ? name : `${field}.${name}`
}

const shown = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value))

const typeNames: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
}

function sentence(error: SchemaError, field: string): string {
  const p = error.params
  switch (error.keyword) {
    case 'type':
      return `${field} must be ${typeNames[String(p.type)] ?? String(p.type)}`
    case 'minLength':
      return `${field} must be at least ${shown(p.limit)} character${p.limit === 1 ? '' : 's'} long`
    case 'maxLength':
      return `${field} must be at most ${shown(p.limit)} characters long`
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${field} must be ${shown(p.comparison)} ${shown(p.limit)}`
    case 'minItems':
      return `${field} must have at least ${shown(p.limit)} item${p.limit === 1 ? '' : 's'}`
    case 'maxItems':
      return `${field} must have at most ${shown(p.limit)} items`
    case 'maxProperties':
      return `${field} must have at most ${shown(p.limit)} entries`
    case 'pattern':
      return `${field} ${patternWords[String(p.pattern)] ?? `must match the pattern ${shown(p.pattern)}`}`
    case 'format':
      return `${field} must be a valid ${shown(p.format)}`
    case 'const':
      return `${field} must be ${shown(p.allowedValue)}`
    case 'enum':
      return `${field} must be one of ${(p.allowedValues as unknown[]).map(shown).join(', ')}`
    default:
      return `${field} ${error.message ?? 'is invalid'}`
  }
}

/**
 * Readable issues from raw errors. `root` names the whole value (`body`, `querystring`, `frame`).
 * A union of constants (`anyOf` of `const`) becomes one "must be one of" sentence; an unknown field
 * is reported once (TypeBox reports it both as a false schema and as additionalProperties).
 */
export function readableIssues(errors: Iterable<SchemaError>, root: string): ReadableIssue[] {
  const list = [...errors]
  const issues: ReadableIssue[] = []
  const seen = new Set<string>()
  const add = (field: string, message: string) => {
    if (seen.has(message) || issues.length >= MAX_ISSUES) return
    seen.add(message)
    issues.push({ field, message })
  }
  // Constants tried by a union at the same path: "must be one of a, b".
  const allowedAt = new Map<string, unknown[]>()
  for (const error of list)
    if (error.keyword === 'const') {
      const values = allowedAt.get(error.instancePath) ?? []
      values.push(error.params.allowedValue)
      allowedAt.set(error.instancePath, values)
    }
  const unionPaths = new Set(list.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath))
  for (const error of list) {
    const field = fieldOf(error.instancePath, root)
    if (error.keyword === 'required') {
      for (const name of (error.params.requiredProperties as string[] | undefined) ?? [])
        add(child(field, root, name), `${child(field, root, name)} is required`)
    } else if (error.keyword === 'additionalProperties') {
      for (const name of (error.params.additionalProperties as string[] | undefined) ?? [])
        add(child(field, root, name), `${child(field, root, name)} is not an allowed field`)
    } else if (error.keyword === 'boolean') {
      add(field, `${field} is not an allowed field`)
    } else if (error.keyword === 'const' && unionPaths.has(error.instancePath)) {
      const allowed = allowedAt.get(error.instancePath) ?? []
      add(field, `${field} must be one of ${allowed.map(shown).join(', ')}`)
    } else if (error.keyword === 'anyOf') {
      // Covered by its constants when it is a union of them; otherwise say so once.
      if (!allowedAt.has(error.instancePath)) add(field, `${field} does not match any allowed form`)
    } else {
      add(field, sentence(error, field))
    }
  }
  if (issues.length === 0) issues.push({ field: root, message: `${root} is invalid` })
  return issues
}

/** Checks `value` against a compiled schema; the readable issues when it does not match. */
export function checkReadably(
  check: ReturnType<typeof Compile<TSchema>>,
  value: unknown,
  root: string,
): ReadableIssue[] | undefined {
  if (check.Check(value)) return undefined
  return readableIssues(check.Errors(value) as SchemaError[], root)
}

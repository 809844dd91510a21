// Config validation shared by every YAML section: one zod schema per section, one-line errors naming the field.
import { z } from 'zod';
import { shownValue } from './display-text.ts';
import { nearestName } from './nearest-name.ts';

/** Parses `raw` with `schema` or throws `<field.path> <problem>, got <value>` for the first problem found. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  // A misspelt key also makes its correct name missing; naming the typo is what tells the user the fix.
  const unknown = result.error.issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown !== undefined) return fail(unknownKeyMessage(schema, unknown.path, unknown.keys));
  const issue = result.error.issues[0]!;
  const path = issue.path.join('.') || '(root)';
  // A record key that breaks its rule: the key is what is wrong, not the value under it.
  if (issue.code === 'invalid_key') {
    const rule = issue.issues[0]?.message ?? issue.message;
    return fail(`${shownValue(path)}: ${rule}, got ${shownValue(JSON.stringify(String(issue.path.at(-1))))}`);
  }
  const got = valueAt(raw, issue.path);
  return fail(`${shownValue(path)}: ${issue.message}, got ${shownValue(configValueText(got))}`);
}

/**
 * A YAML value as the user would recognise it: JSON, except that `.inf`, `-.inf` and `.nan` read as
 * Infinity, -Infinity and NaN (JSON.stringify would print null, which the user never wrote).
 */
function configValueText(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return `[${value.map(configValueText).join(',')}]`;
  if (value !== null && typeof value === 'object' && !('toJSON' in value)) {
    return `{${Object.entries(value).map(([key, v]) => `${JSON.stringify(key)}:${configValueText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'nothing';
}

/** `unknown key \`symbol.max_pctt\`, did you mean \`max_pct\`?`, or the valid keys when none is close. */
function unknownKeyMessage(schema: z.ZodType, path: readonly PropertyKey[], keys: readonly string[]): string {
  const valid = keysAt(schema, path);
  const key = keys[0]!;
  const fullName = shownValue([...path.map(String), key].join('.'));
  const nearest = nearestName(key, valid);
  const hint = nearest !== undefined
    ? `, did you mean \`${nearest}\`?`
    : valid.length > 0 ? ` (valid keys: ${valid.join(', ')})` : '';
  const more = keys.length > 1 ? ` (${keys.length - 1} more unknown key${keys.length === 2 ? '' : 's'} there)` : '';
  return `unknown key \`${fullName}\`${hint}${more}`;
}

/** The keys an object schema accepts at `path` (through defaults, optionals, records and arrays). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = unwrap(schema);
  for (const step of path) {
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(step)];
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return [];
    if (node === undefined) return [];
    node = unwrap(node);
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (;;) {
    if (node instanceof z.ZodDefault || node instanceof z.ZodOptional || node instanceof z.ZodNullable) {
      node = node.unwrap() as z.ZodType;
    } else if (node instanceof z.ZodPipe) {
      node = node.in as z.ZodType;
    } else {
      return node;
    }
  }
}

function fail(message: string): never {
  throw new Error(message);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

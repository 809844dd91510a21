// Config validation shared by every YAML section: one zod schema per section, one-line errors naming the field.
import type { z } from 'zod';

/** Parses `raw` with `schema` or throws `<field.path> <problem>, got <value>` for the first problem found. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.join('.') || '(root)';
  const got = valueAt(raw, issue.path);
  return fail(`${path}: ${issue.message}, got ${JSON.stringify(got) ?? 'nothing'}`);
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

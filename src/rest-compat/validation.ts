import type { z } from 'zod';
import { AppError } from '../services/errors';

export type InputPart = 'path' | 'query' | 'body';

/** `[0].attributeId`, `conditions[1].filePath`, `pageSize`; the whole body is `body`. */
export function fieldName(part: InputPart, path: readonly PropertyKey[]): string {
  if (!path.length) return part === 'body' ? 'body' : part;
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`)).join('');
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Turns the first zod issue into the INVALID_INPUT error every front door knows, e.g.
 * `pageSize: expected an integer from 1 to 500, got "abc"`; a missing value reads
 * `jobName: required, expected a non-empty string ...`.
 */
export function issueToError(part: InputPart, raw: unknown, issue: z.core.$ZodIssue): AppError {
  const field = fieldName(part, issue.path);
  const got = valueAt(raw, issue.path);
  // Our builders phrase their messages "expected ..."; zod's own messages are kept as they are.
  const expected = issue.message.startsWith('expected ') ? issue.message : `expected ${describe(issue)}`;
  if (got === undefined) {
    const where = part === 'body' && issue.path.length ? 'body field' : part === 'path' ? 'path parameter' : part === 'query' ? 'query parameter' : 'JSON body';
    return new AppError('INVALID_INPUT', `${field}: required ${where} missing, ${expected}`, field);
  }
  return new AppError('INVALID_INPUT', `${field}: ${expected}, got ${show(got)}`, field);
}

/** A readable "expected" for the issues our builders do not phrase themselves. */
function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'object' ? 'a JSON object' : issue.expected === 'array' ? 'a JSON array' : `a ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `no other fields than the documented ones (unknown: ${issue.keys.join(', ')})`;
    default:
      return issue.message;
  }
}

/** Parses one part of a request; the first problem becomes an AppError naming the field. */
export function parsePart<S extends z.ZodType>(part: InputPart, schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  throw issueToError(part, raw, result.error.issues[0]);
}

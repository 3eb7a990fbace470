import type { z } from 'zod';
import { AppError, isAppError } from '../errors';

/** Where an input came from: a REST path, query or body, or a service's own input (either door). */
export type InputPart = 'path' | 'query' | 'body' | 'input';

/** `[0].attributeId`, `conditions[1].filePath`, `pageSize`; the whole input is `root` (default: the part's name). */
export function fieldName(part: InputPart, path: readonly PropertyKey[], root: string = part): string {
  if (!path.length) return root;
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

const WHERE: Record<InputPart, string> = { path: 'path parameter', query: 'query parameter', body: 'JSON body', input: 'input' };

/**
 * Turns the first zod issue into the INVALID_INPUT error both front doors know, e.g.
 * `pageSize: expected an integer from 1 to 500, got "abc"`; a missing value reads
 * `jobName: required body field missing, expected a non-empty string ...`. A refinement that
 * carries an AppError of its own (`appError`, see `refineWith`) is answered with that error.
 */
export function issueToError(part: InputPart, raw: unknown, issue: z.core.$ZodIssue, root?: string): AppError {
  const params = issue.code === 'custom' ? (issue.params as RuleParams | undefined) : undefined;
  if (isAppError(params?.appError)) return params.appError;
  const field = fieldName(part, issue.path, root);
  const got = valueAt(raw, issue.path);
  // Our builders phrase their messages "expected ..."; zod's own messages are kept as they are.
  const expected = issue.message.startsWith('expected ') ? issue.message : `expected ${describe(issue)}`;
  if (got === undefined && !params?.ruleOnOptional) {
    const where = issue.path.length ? (part === 'body' ? 'body field' : part === 'input' ? 'field' : WHERE[part]) : WHERE[part];
    return new AppError('INVALID_INPUT', `${field}: required ${where} missing, ${expected}`, field);
  }
  return new AppError('INVALID_INPUT', got === undefined ? `${field}: ${expected}` : `${field}: ${expected}, got ${show(got)}`, field);
}

/**
 * What a custom issue may carry: `appError`, an error to answer as it is (see refineWith);
 * `ruleOnOptional`, a rule between fields about one the shape lets be absent ("a COPY_FILE step
 * needs a targetFilePath"), so its absence is not reported as a missing required field.
 */
export interface RuleParams {
  appError?: unknown;
  ruleOnOptional?: boolean;
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
export function parsePart<S extends z.ZodType>(part: InputPart, schema: S, raw: unknown, root?: string): z.output<S> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues.map((issue) => issueToError(part, raw, issue, root));
  if (!rest.length) throw first;
  // Every field at fault, so that a form can mark them all (GraphQL shows them as extensions.fields).
  const problems = [first, ...rest].map((e) => ({ field: e.field ?? root ?? part, problems: [e.message] }));
  throw new AppError(first.code, first.message, first.field, undefined, problems);
}

/**
 * What every service does first with its input, whichever door it came through: parse it with the
 * input's schema; the first problem is thrown as INVALID_INPUT naming the field.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, root = 'input'): z.output<S> {
  return parsePart('input', schema, raw, root);
}

/**
 * A refinement by a check that throws an AppError (a cron parser, a time-zone lookup): the
 * error reaches the caller as thrown, with its own message, instead of a generic "invalid".
 */
export function refineWith<T>(check: (value: T) => void) {
  return (value: T, ctx: z.core.$RefinementCtx<T>) => {
    try {
      check(value);
    } catch (err) {
      if (!isAppError(err)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, params: { appError: err }, input: value });
    }
  };
}

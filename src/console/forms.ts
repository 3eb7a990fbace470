import type { CombinedError } from '@urql/core';

/** Problems of a refused mutation, keyed by the form input they belong to. */
export type FieldErrors = Record<string, string>;

type FieldProblem = { field: string; problems: string[] };

/**
 * The API names the input at fault in `extensions.field` (service errors: `executionTime`,
 * `[0].true[1].filePath`) or, for argument validation, every input in `extensions.fields`
 * (`name`, `input.name`). One spelling for the forms: no argument prefix, and an IF's branches as
 * the service names them (`true`, `false`). Argument validation of a list argument names no
 * element (`whenTrue[0].interval` for some root step): such a key matches no input, and the
 * form's summary shows the message. `aliases` turns a service's
 * field name into the form's (a group's `groupName` is the form's `name`).
 */
export function fieldErrors(error: CombinedError | undefined, aliases: Record<string, string> = {}): FieldErrors {
  const out: FieldErrors = {};
  for (const e of error?.graphQLErrors ?? []) {
    const ext = e.extensions ?? {};
    const listed = Array.isArray(ext.fields) ? (ext.fields as FieldProblem[]) : [];
    const named: FieldProblem[] = listed.length ? listed : typeof ext.field === 'string' ? [{ field: ext.field, problems: [e.message] }] : [];
    for (const { field, problems } of named) {
      const key = normalizeField(field);
      out[aliases[key] ?? key] ??= problems.join('; ');
    }
  }
  return out;
}

export function normalizeField(field: string): string {
  return field
    .replace(/^(input|query|steps|values)(?=[.[])\.?/, '')
    .replace(/\.whenTrue\b/g, '.true')
    .replace(/\.whenFalse\b/g, '.false');
}

/** The message of a refused mutation without urql's "[GraphQL]" prefix. */
export function errorText(error: CombinedError | undefined): string | null {
  if (!error) return null;
  return error.graphQLErrors.length ? error.graphQLErrors.map((e) => e.message).join('; ') : error.message;
}

/** A number input's value for the API: '' (cleared) is null. */
export function numberOrNull(value: string | number | null | undefined): number | null {
  return value === '' || value === null || value === undefined ? null : Number(value);
}

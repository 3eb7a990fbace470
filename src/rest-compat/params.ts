import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/paging';
import { expect, f, idText, intSchema, MAX_EPOCH_MS, MAX_ID, msText, noNul, nulText } from '../services/schemas/fields';
import { z } from './zod';

/**
 * Schema builders for the inputs of the /v1 routes. Every builder carries its own "expected ..."
 * text, so that a refusal reads `pageSize: expected an integer from 1 to 500, got "abc"` (see
 * validation.ts) and the OpenAPI document shows the same constraint.
 *
 * `q` builds query and path parameters: they arrive as strings, so numbers and booleans are
 * coerced, an empty value counts as absent, and array parameters accept a repeated parameter.
 * `b` builds JSON body fields: JSON already has types, so nothing is coerced there.
 */

export { MAX_EPOCH_MS, MAX_ID } from '../services/schemas/fields';

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** '' -> absent; '12' -> 12; anything else is passed on for the schema to refuse. */
function queryNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return NUMERIC.test(trimmed) ? Number(trimmed) : value;
}

function queryBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  switch (value.trim().toLowerCase()) {
    case '':
      return undefined;
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return value;
  }
}

/**
 * Ids in paths and queries: only the canonical form of a positive integer (`75`), so that one
 * record has one URL; `75.0`, `+75`, `75e0`, ` 75 `, `075` are refused, not read as 75.
 */
const CANONICAL_ID = /^[1-9][0-9]{0,9}$/;
function queryId(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === '') return undefined;
  return CANONICAL_ID.test(value) ? Number(value) : value;
}

const queryString = (value: unknown) => (value === '' ? undefined : value);

/** A repeated parameter arrives as an array, a single one as a string: both become an array. */
const queryArray = (value: unknown) => (value === undefined || value === '' ? undefined : Array.isArray(value) ? value : [value]);

/** A string with its expected form; never NUL. */
function text(what: string) {
  return z.string(expect(what)).refine(noNul, nulText);
}

/** Query and path parameters (strings on the wire). */
export const q = {
  id: () => z.preprocess(queryId, intSchema(1, MAX_ID, `${idText} in canonical form (digits, no sign, no leading zero)`)),
  int: (min: number, max: number = MAX_ID) => {
    const text = max === MAX_ID ? `an integer from ${min}` : `an integer from ${min} to ${max}`;
    return z.preprocess(queryNumber, intSchema(min, max, text));
  },
  epochMs: () => z.preprocess(queryNumber, intSchema(0, MAX_EPOCH_MS, msText)),
  bool: () => z.preprocess(queryBoolean, z.boolean(expect('true or false'))),
  str: () => z.preprocess(queryString, text('a single string')),
  enum: <const T extends readonly [string, ...string[]]>(values: T) => z.preprocess(queryString, z.enum(values, expect(`one of ${values.join(', ')}`))),
  strArray: () => z.preprocess(queryArray, z.array(text('a string (the parameter may be repeated)'))),
  /** A service's string field (a filter's name) as a parameter: '' is absent, the service's rule decides. */
  text: <S extends z.ZodType>(field: S) => z.preprocess(queryString, field),
  /** A service's list field as a parameter that may be repeated. */
  list: <S extends z.ZodType>(field: S) => z.preprocess(queryArray, field),
};

/** pageNo from 1, pageSize from 1 to MAX_PAGE_SIZE (default DEFAULT_PAGE_SIZE). */
export const pagingQuery = {
  pageNo: q.int(1).optional().openapi({ description: 'Page number, from 1 (default 1).' }),
  pageSize: q
    .int(1, MAX_PAGE_SIZE)
    .optional()
    .openapi({ description: `Rows per page, from 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
};

/**
 * JSON body fields: the builders the services' input schemas are made of (services/schemas/fields.ts),
 * plus the fields only the REST bodies have.
 */
export const b = {
  ...f,
  /** A time the server keeps itself (`lastRunAt`, `assignmentsChangedAt`, ...): accepted for compatibility, ignored. */
  ignoredTime: () =>
    intSchema(0, MAX_EPOCH_MS, msText)
      .nullable()
      .optional()
      .openapi({ description: 'Accepted for compatibility and ignored: the server records this time itself.' }),
};

import { z } from './zod';

/**
 * Builders of the fields every input schema is made of: the one place where "a name", "a
 * priority", "epoch milliseconds" are defined. Services parse their inputs with schemas built
 * from these (see parse.ts); the REST route table builds its body schemas from the same schemas,
 * so that both front doors refuse the same values with the same "expected ..." text.
 *
 * JSON and GraphQL already carry types, so nothing is coerced here (rest-compat/params.ts
 * coerces query strings before they meet these rules). No `.openapi()` here: the REST layer
 * adds its descriptions on top.
 */

/** Largest value a PostgreSQL `integer` column holds (ids, counts, priorities). */
export const MAX_INT = 2_147_483_647;
export const MIN_INT = -MAX_INT - 1;
/** Largest id a PostgreSQL `integer` column holds; larger ids cannot exist, so they are refused. */
export const MAX_ID = MAX_INT;
/**
 * 9999-12-31T23:59:59.999Z. Later dates exist in JavaScript and PostgreSQL, but their ISO form
 * (`+010000-...`) is not one the driver round-trips, so they are refused rather than fail there.
 */
export const MAX_EPOCH_MS = 253_402_300_799_999;
/** Names of jobs, tasks, groups, clients: one `varchar(255)` column each. */
export const MAX_NAME = 255;
/** Descriptions: free text an operator reads in a list, not a document. */
export const MAX_DESCRIPTION = 4096;

/**
 * Retries of a job (and the job settings' default): more is a misconfiguration, every retry is
 * another dispatch to every failed client.
 */
export const MAX_JOB_RETRIES = 1000;

/** The most ids one bind or association names. */
export const MAX_IDS = 10_000;

/** The error option of a builder: our messages start with "expected", which parse.ts keeps as they are. */
export const expect = (text: string) => ({ error: () => `expected ${text}` });

// PostgreSQL text cannot hold NUL: refused naming the field rather than failing in the database.
export const noNul = (v: string) => !v.includes('\u0000');
export const nulText = expect('text without NUL (\\u0000) characters');

export function intSchema(min: number, max: number, text: string) {
  return z.int(expect(text)).min(min, expect(text)).max(max, expect(text));
}

const intText = (min: number, max: number) => (max === MAX_INT ? `an integer from ${min}` : `an integer from ${min} to ${max}`);
export const idText = 'a positive integer id';
export const msText = 'epoch milliseconds (an integer from 0 to 253402300799999, year 9999)';

/** Field builders for typed (JSON or GraphQL) input. */
export const f = {
  id: () => intSchema(1, MAX_ID, idText),
  int: (min: number, max: number = MAX_INT) => intSchema(min, max, intText(min, max)),
  /** Any value a PostgreSQL `integer` column holds (priorities). */
  int32: () => intSchema(MIN_INT, MAX_INT, `an integer from ${MIN_INT} to ${MAX_INT}`),
  epochMs: () => intSchema(0, MAX_EPOCH_MS, msText),
  bool: () => z.boolean(expect('true or false')),
  str: (maxLength = 10_000) =>
    z
      .string(expect('a string'))
      .max(maxLength, expect(`a string of at most ${maxLength} characters`))
      .refine(noNul, nulText),
  /** Trimmed; empty (or blank) is refused. */
  name: (maxLength = MAX_NAME) =>
    z
      .string(expect(`a non-empty string of at most ${maxLength} characters`))
      .trim()
      .min(1, expect(`a non-empty string of at most ${maxLength} characters`))
      .max(maxLength, expect(`a non-empty string of at most ${maxLength} characters`))
      .refine(noNul, nulText),
  description: () => f.str(MAX_DESCRIPTION).nullish(),
  /** A list of ids (`[1, 2, 3]`: what the bind routes and mutations take). */
  ids: () => z.array(intSchema(1, MAX_ID, idText), expect('a JSON array of positive integer ids, e.g. [1, 2]')).max(MAX_IDS, expect(`at most ${MAX_IDS} ids`)),
  enum: <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, expect(`one of ${values.join(', ')}`)),
  /**
   * An optional enum a legacy consumer may send as `""` (the document's static-group example sends
   * `"queryOperation": ""`): the empty string means "not set", as null does.
   */
  optionalEnum: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.preprocess(
      (v) => (v === '' ? null : v),
      z
        .enum(values, expect(`one of ${values.join(', ')}, or "" or null for none`))
        .nullable()
        .optional(),
    ),
};

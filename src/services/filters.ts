import type { FilterQuery } from '@mikro-orm/core';
import { errors } from './errors';

/** A `...Gte`/`...Lte` pair of epoch milliseconds. */
export interface TimeRange {
  gte?: number;
  lte?: number;
}

function toDate(field: string, ms: number): Date {
  if (!Number.isFinite(ms)) throw errors.invalid(field, 'epoch milliseconds', ms);
  return new Date(ms);
}

/** Adds `field >= gte` and `field <= lte` to a filter for every range given. */
export function applyTimeRanges<T>(where: Record<string, unknown>, ranges: Partial<Record<keyof T & string, TimeRange | undefined>>): void {
  for (const [field, range] of Object.entries(ranges) as [string, TimeRange | undefined][]) {
    if (!range || (range.gte === undefined && range.lte === undefined)) continue;
    const cond: Record<string, Date> = {};
    if (range.gte !== undefined) cond.$gte = toDate(`${field}Gte`, range.gte);
    if (range.lte !== undefined) cond.$lte = toDate(`${field}Lte`, range.lte);
    where[field] = cond;
  }
}

/** `name = x` or `name contains x` (case-insensitive), as the document's name filters ask. */
export function applyNameFilter(where: Record<string, unknown>, field: string, equals?: string, contains?: string): void {
  if (equals !== undefined && equals !== '') where[field] = equals;
  else if (contains !== undefined && contains !== '') where[field] = { $ilike: `%${escapeLike(contains)}%` };
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type Where<T> = FilterQuery<T> & Record<string, unknown>;

/** Epoch milliseconds of a date, null stays null. */
export function ms(date: Date | null | undefined): number | null {
  return date ? date.getTime() : null;
}

/**
 * A PostgreSQL array literal for integer ids, to bind as ONE parameter (`= any(?::int[])`):
 * knex expands a bound JS array into a comma list, which `any(...)` and `unnest(...)` do not take.
 */
export function intArray(ids: readonly number[]): string {
  for (const id of ids) if (!Number.isInteger(id)) throw new TypeError(`not an integer id: ${id}`);
  return `{${ids.join(',')}}`;
}

/** A PostgreSQL text array literal, to bind as ONE parameter (`= any(?::text[])`); see intArray. */
export function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

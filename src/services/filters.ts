import type { FilterQuery } from '@mikro-orm/core';
import { errors } from './errors';
import type { configurationFilterFields } from './schemas/filter.schema';
import type { z } from './schemas/zod';

/** A `...Gte`/`...Lte` pair of epoch milliseconds (null: that end is open). */
export interface TimeRange {
  gte?: number | null;
  lte?: number | null;
}

function toDate(field: string, ms: number): Date {
  if (!Number.isFinite(ms)) throw errors.invalid(field, 'epoch milliseconds', ms);
  return new Date(ms);
}

/** Adds `field >= gte` and `field <= lte` to a filter for every range given. */
export function applyTimeRanges<T>(where: Record<string, unknown>, ranges: Partial<Record<keyof T & string, TimeRange | null | undefined>>): void {
  for (const [field, range] of Object.entries(ranges) as [string, TimeRange | null | undefined][]) {
    if (!range || (range.gte == null && range.lte == null)) continue;
    const cond: Record<string, Date> = {};
    if (range.gte != null) cond.$gte = toDate(`${field}Gte`, range.gte);
    if (range.lte != null) cond.$lte = toDate(`${field}Lte`, range.lte);
    where[field] = cond;
  }
}

/** `name = x` or `name contains x` (case-insensitive), as the document's name filters ask. */
export function applyNameFilter(where: Record<string, unknown>, field: string, equals?: string | null, contains?: string | null): void {
  if (equals != null && equals !== '') where[field] = equals;
  else if (contains != null && contains !== '') where[field] = { $ilike: `%${escapeLike(contains)}%` };
}

/** The parsed filter fields the job and task lists share (see configurationFilterFields). */
export type ConfigurationFilter = Partial<z.output<z.ZodObject<typeof configurationFilterFields>>>;

/**
 * The one filter of configuration lists (jobs, tasks; also a task's jobs, a job's tasks, a
 * client's jobs and tasks): id, name equals or contains, enabled, the four time ranges.
 */
export function configurationWhere<T>(filter: ConfigurationFilter): FilterQuery<T> {
  const where: Record<string, unknown> = {};
  if (filter.id != null) where.id = filter.id;
  applyNameFilter(where, 'name', filter.name, filter.nameContains);
  if (filter.enabled != null) where.enabled = filter.enabled;
  applyTimeRanges(where, {
    lastEditedAt: filter.lastEditedAt,
    lastRunAt: filter.lastRunAt,
    assignmentsChangedAt: filter.assignmentsChangedAt,
    createdAt: filter.createdAt,
  });
  return where as FilterQuery<T>;
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

/**
 * A PostgreSQL text array literal, to bind as ONE parameter (`= any(?::text[])`); see intArray.
 * null is NULL; cast it to the element type wanted (`?::timestamptz[]`, `?::jsonb[]`, `?::int[]`
 * for nullable ids: quoted elements are read as the element type).
 */
export function textArray(values: readonly (string | number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

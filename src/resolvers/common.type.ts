import { ArgsType, Field, InputType, Int, ObjectType, registerEnumType, type ClassType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type PageRequest } from '../services/paging';
import { errors } from '../services/errors';
import type { TimeRange } from '../services/filters';

/**
 * Offset paging of the top-level lists; page numbers start at 1 as in the REST document.
 * Checked by `checkPageArgs` (pass it as the `validateFn` of `@Args`).
 */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 1, description: 'Page number, from 1.' })
  pageNo: number = 1;

  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `Items per page, 1 to ${MAX_PAGE_SIZE}.` })
  pageSize: number = DEFAULT_PAGE_SIZE;
}

/**
 * Checks PageArgs with a plain range check, cheap because the arguments of every list field are
 * checked once per parent (Run.reports on a page of runs).
 */
export function checkPageArgs(args: unknown): void {
  const { pageNo, pageSize } = args as PageArgs;
  if (!Number.isInteger(pageNo) || pageNo < 1) throw errors.invalid('pageNo', 'an integer from 1', pageNo);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw errors.invalid('pageSize', `an integer from 1 to ${MAX_PAGE_SIZE}`, pageSize);
}

export function pageRequest({ pageNo, pageSize }: PageArgs): PageRequest {
  return { pageNo, pageSize };
}

/** Largest `first` of a nested list (Job.tasks, Group.clients, ...). */
export const MAX_NESTED = 100;
export const DEFAULT_NESTED = 20;

/**
 * The window of a nested list: `first` items after skipping `offset`. Checked by
 * `checkNestedList` (pass it as the `validateFn` of `@Args`).
 */
@ArgsType()
export class NestedListArgs {
  @Field(() => Int, { defaultValue: DEFAULT_NESTED, description: `How many items, 0 to ${MAX_NESTED}; use the top-level list with a filter for more.` })
  first: number = DEFAULT_NESTED;

  @Field(() => Int, { defaultValue: 0, description: 'How many items to skip.' })
  offset: number = 0;
}

/** Whether nested-list arguments pass checkNestedList (a look-ahead leaves invalid ones to the field, which reports them). */
export function validNestedList(args: Record<string, unknown>): args is Record<string, unknown> & NestedListArgs {
  try {
    checkNestedList(args);
    return true;
  } catch {
    return false;
  }
}

/** Checks NestedListArgs; a nested list's arguments are checked once per parent (50 times for a page of 50 jobs). */
export function checkNestedList(args: unknown): void {
  const { first, offset } = args as NestedListArgs;
  if (!Number.isInteger(first) || first < 0 || first > MAX_NESTED) throw errors.invalid('first', `an integer from 0 to ${MAX_NESTED}`, first);
  if (!Number.isInteger(offset) || offset < 0) throw errors.invalid('offset', 'an integer from 0', offset);
}

@ObjectType({ description: 'Where a page sits among all the items that match.' })
export class PageInfo {
  @Field(() => Int)
  pageNo!: number;

  @Field(() => Int)
  pageSize!: number;

  @Field(() => Int, { description: 'Pages needed for every matching item (0 when none match).' })
  totalPages!: number;

  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;
}

/** A page of `nodes`, with `totalCount` (every match, not only this page) and `pageInfo`. */
export function PageOf<T extends object>(item: ClassType<T>) {
  @ObjectType()
  abstract class Page {
    @Field(() => [item])
    nodes!: T[];

    @Field(() => Int, { description: 'Every item that matches the filter, not only this page.' })
    totalCount!: number;

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return Page;
}

export interface PageResult<T> {
  nodes: T[];
  totalCount: number;
  pageInfo: PageInfo;
}

/** Shapes a service page (`items`, `total`) for GraphQL. */
export function toPage<T, R = T>({ items, total }: { items: T[]; total: number }, { pageNo, pageSize }: PageArgs, map?: (item: T) => R): PageResult<R> {
  const totalPages = Math.ceil(total / pageSize);
  return {
    nodes: map ? items.map(map) : (items as unknown as R[]),
    totalCount: total,
    pageInfo: { pageNo, pageSize, totalPages, hasNextPage: pageNo < totalPages, hasPreviousPage: pageNo > 1 },
  };
}

export enum OrderDirection {
  ASC = 'asc',
  DESC = 'desc',
}
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'ASC: smallest, earliest or A first; DESC: the reverse. Items without a value (e.g. a job that never ran) come last either way.',
});

@InputType({ description: 'A time window; either end may be left open.' })
export class TimeRangeInput {
  @Field(() => Date, { nullable: true, description: 'At or after this instant.' })
  gte?: Date | null;

  @Field(() => Date, { nullable: true, description: 'At or before this instant.' })
  lte?: Date | null;
}

/** The services take ranges in epoch milliseconds. */
export function timeRange(range: TimeRangeInput | null | undefined): TimeRange | undefined {
  if (!range) return undefined;
  return { gte: range.gte ? range.gte.getTime() : undefined, lte: range.lte ? range.lte.getTime() : undefined };
}

/** A GraphQL list filter in the service's terms: its time ranges in epoch milliseconds. */
export type ServiceFilter<T> = { [K in keyof T]: T[K] extends TimeRangeInput | null | undefined ? TimeRange | undefined : T[K] };

const isTimeRange = (value: unknown): value is TimeRangeInput =>
  value instanceof TimeRangeInput ||
  (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => v == null || v instanceof Date));

/**
 * A list filter as the service takes it: GraphQL's filter inputs use the services' field names,
 * so only the time ranges change (Dates to epoch milliseconds). The service's filter schema
 * checks every value, for both doors.
 */
export function listFilter<T extends object>(input: T | null | undefined): ServiceFilter<T> | undefined {
  if (!input) return undefined;
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [key, isTimeRange(value) ? timeRange(value) : value])) as ServiceFilter<T>;
}

/** Drops GraphQL nulls (an omitted or null filter field means "any"). */
export function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };
}

/**
 * The filters jobs and tasks share, as the REST document offers them for both lists: id, name
 * (equals / contains), enabled and the four time ranges. Each list adds its own scoping filters.
 */
@InputType({ description: 'Filters shared by the job and task lists.' })
export abstract class EditableFilterInput {
  @Field(() => Int, { nullable: true })
  id?: number | null;

  @Field(() => String, { nullable: true, description: 'Name equals.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Name contains (case-insensitive).' })
  nameContains?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => TimeRangeInput, { nullable: true })
  lastEditedAt?: TimeRangeInput | null;

  @Field(() => TimeRangeInput, { nullable: true })
  lastRunAt?: TimeRangeInput | null;

  @Field(() => TimeRangeInput, { nullable: true })
  assignmentsChangedAt?: TimeRangeInput | null;

  @Field(() => TimeRangeInput, { nullable: true })
  createdAt?: TimeRangeInput | null;
}

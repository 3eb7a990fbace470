import { IsInt, Max, Min } from 'class-validator';
import { ArgsType, Field, InputType, Int, ObjectType, registerEnumType, type ClassType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type PageRequest } from '../services/paging';
import type { TimeRange } from '../services/filters';

/** Offset paging of the top-level lists; page numbers start at 1 as in the REST document. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 1, description: 'Page number, from 1.' })
  @IsInt()
  @Min(1)
  pageNo: number = 1;

  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `Items per page, 1 to ${MAX_PAGE_SIZE}.` })
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  pageSize: number = DEFAULT_PAGE_SIZE;
}

export function pageRequest({ pageNo, pageSize }: PageArgs): PageRequest {
  return { pageNo, pageSize };
}

/** Largest `first` of a nested list (Job.tasks, Group.clients, ...). */
export const MAX_NESTED = 100;
export const DEFAULT_NESTED = 20;

/** The window of a nested list: `first` items after skipping `offset`. */
@ArgsType()
export class NestedListArgs {
  @Field(() => Int, { defaultValue: DEFAULT_NESTED, description: `How many items, 0 to ${MAX_NESTED}; use the top-level list with a filter for more.` })
  @IsInt()
  @Min(0)
  @Max(MAX_NESTED)
  first: number = DEFAULT_NESTED;

  @Field(() => Int, { defaultValue: 0, description: 'How many items to skip.' })
  @IsInt()
  @Min(0)
  offset: number = 0;
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
registerEnumType(OrderDirection, { name: 'OrderDirection' });

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

/** Drops GraphQL nulls (an omitted or null filter field means "any"). */
export function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]: Exclude<T[K], null> };
}

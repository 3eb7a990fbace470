import { errors } from './errors';
import type { OrderBy } from './ordering';

/** Page numbers start at 1 (the REST document's paging header). */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 500;

export interface PageRequest {
  pageNo?: number;
  pageSize?: number;
}

export interface Page<T> {
  items: T[];
  /** Every row that matches the filter, not only this page's. */
  total: number;
}

export interface PageWindow {
  offset: number;
  limit: number;
}

/** Checks and turns `{pageNo, pageSize}` into an offset window. */
export function pageWindow({ pageNo = 1, pageSize = DEFAULT_PAGE_SIZE }: PageRequest = {}): PageWindow {
  if (!Number.isInteger(pageNo) || pageNo < 1) throw errors.invalid('pageNo', 'an integer from 1', pageNo);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw errors.invalid('pageSize', `an integer from 1 to ${MAX_PAGE_SIZE}`, pageSize);
  }
  return { offset: (pageNo - 1) * pageSize, limit: pageSize };
}

/**
 * What every entity's one `list()` takes, whichever door asks: the filter (in the services'
 * names, parsed by the entity's filter schema), the order, the page, and the entity properties
 * the caller will show (only those and `id` are read when they are all plain columns; the rows
 * then carry only them).
 */
export interface ListRequest<F, O extends string> {
  filter?: F | null;
  orderBy?: OrderBy<O> | null;
  page?: PageRequest;
  fields?: readonly string[];
}

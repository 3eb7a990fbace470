import { errors } from './errors';

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

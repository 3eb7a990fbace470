import { pageWindow, type Page, type PageRequest } from '../../services/paging';
import { z } from '../zod';

/*
 * Response shapes the document repeats across routes. Each is the shape of a documented example:
 * `"success"`, `null`, `{ "desc": null }`, `{ "count": 0 }`, `{ "list": [...], "total": 0 }`.
 */

export const successText = z.literal('success').openapi({ description: 'The JSON string "success".' });
export const SUCCESS = 'success' as const;

export const nullBody = z.null().openapi({ description: 'The JSON value null.' });

export const descNull = z.object({ desc: z.null() }).openapi({ description: '`{ "desc": null }` on success.' });
export const DESC_NULL = { desc: null } as const;

export const countBody = z.object({ count: z.int().min(0) });

/** Epoch milliseconds, or null for a moment that has not happened (never run, never connected). */
export const epochMsOrNull = z.int().nullable().openapi({ description: 'Epoch milliseconds; null when it has not happened.' });
export const epochMs = z.int().openapi({ description: 'Epoch milliseconds.' });

/** `{ list, total }`: `total` counts every row matching the filter, not only this page's. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ list: z.array(item), total: z.int().min(0) });
}

/** Shapes a service page into the document's `{ list, total }`. */
export function toPage<T, R>(page: Page<T>, shape: (item: T, index: number) => R): { list: R[]; total: number } {
  return { list: page.items.map(shape), total: page.total };
}

/** A page of a list a service returns whole (a client's attribute values: one per attribute definition). */
export function slicePage<T>(items: T[], page: PageRequest): Page<T> {
  const { offset, limit } = pageWindow(page);
  return { items: items.slice(offset, offset + limit), total: items.length };
}

/** 1/0 where the document shows an integer flag (task detail `enabled`, attribute `display`). */
export const flag = (value: boolean): number => (value ? 1 : 0);

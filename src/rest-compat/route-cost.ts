import { LIST_ITEM_COST, SCRIPT_STEP_COST, SERVICE_CALL_COST } from '../graphql/cost';
import { DEFAULT_PAGE_SIZE } from '../services/paging';
import { MAX_SCRIPT_STEPS } from '../services/step-script';
import type { AnyRoute, RouteInput } from './route';

/**
 * What a /v1 request costs, in the unit of GraphQL's estimate (src/graphql/cost.ts), so that one
 * admission rule serves both doors (src/http/admission.ts; the bytes of the body are added there).
 * The measured blocks agree (docs/graphql.md, "The cost"): a page of 500 clients blocks about as
 * long as a GraphQL operation of 10,000.
 */

/** A row of a REST page: the item (LIST_ITEM_COST) and its fifteen-odd columns, as GraphQL counts a list item with its fields. */
export const REST_ROW_COST = LIST_ITEM_COST + 16;

/** A whole script read as one JSON value: what GraphQL's `Task.script` costs. */
export const SCRIPT_READ_COST = SERVICE_CALL_COST + MAX_SCRIPT_STEPS * SCRIPT_STEP_COST;

/** The route's own `cost`, else one service call plus, on a paged route, its rows (the page size asked for, or the default). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function routeCost(route: AnyRoute, input: Omit<RouteInput<any, any, any>, 'body'>): number {
  if (route.cost) return route.cost(input);
  const paged = route.query !== undefined && 'pageSize' in route.query.shape;
  const rows = paged ? ((input.query as { pageSize?: number }).pageSize ?? DEFAULT_PAGE_SIZE) : 0;
  return SERVICE_CALL_COST + rows * REST_ROW_COST;
}

import { QueryOrder } from '@mikro-orm/core';
import { errors } from './errors';

export type OrderDirection = 'asc' | 'desc';

/** How a list is sorted: one whitelisted field and a direction (ascending by default). */
export interface OrderBy<F extends string = string> {
  field: F;
  direction?: OrderDirection;
}

/**
 * The fields each list may be sorted by (entity property names). Only indexed or small columns:
 * free-form ordering on anything else would make every page a full sort.
 */
export const ORDER_FIELDS = {
  client: ['id', 'mqttClientId', 'username', 'ip', 'role', 'enable', 'status', 'connectedAt', 'disconnectedAt', 'createdAt'],
  group: ['id', 'name', 'type', 'enabled', 'createdAt', 'lastEditedAt', 'assignmentsChangedAt'],
  job: ['id', 'name', 'enabled', 'priority', 'createdAt', 'lastEditedAt', 'lastRunAt', 'nextRunAt', 'assignmentsChangedAt'],
  task: ['id', 'name', 'enabled', 'priority', 'createdAt', 'lastEditedAt', 'lastRunAt', 'assignmentsChangedAt'],
  attribute: ['id', 'name', 'type', 'createdAt'],
  file: ['id', 'name', 'size', 'kind', 'status', 'createdAt', 'completedAt'],
} as const;

export type OrderedEntity = keyof typeof ORDER_FIELDS;
export type ClientOrderField = (typeof ORDER_FIELDS.client)[number];
export type GroupOrderField = (typeof ORDER_FIELDS.group)[number];
export type JobOrderField = (typeof ORDER_FIELDS.job)[number];
export type TaskOrderField = (typeof ORDER_FIELDS.task)[number];
export type AttributeOrderField = (typeof ORDER_FIELDS.attribute)[number];
export type FileOrderField = (typeof ORDER_FIELDS.file)[number];

type OrderMap = Record<string, QueryOrder>;

/**
 * MikroORM `orderBy` for a list of `entity`: the field asked for (nulls last either way, so
 * "latest run first" does not start with jobs that never ran), then id ascending so that pages
 * stay stable. Without `orderBy`, id ascending. Throws INVALID_INPUT for a field off the list.
 */
export function orderByOf(entity: OrderedEntity, orderBy?: OrderBy | null): OrderMap[] {
  if (!orderBy) return [{ id: QueryOrder.ASC }];
  const allowed = ORDER_FIELDS[entity] as readonly string[];
  if (!allowed.includes(orderBy.field)) throw errors.invalid('orderBy.field', `one of ${allowed.join(', ')}`, orderBy.field);
  const direction = orderBy.direction ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw errors.invalid('orderBy.direction', 'asc or desc', direction);
  if (orderBy.field === 'id') return [{ id: direction === 'asc' ? QueryOrder.ASC : QueryOrder.DESC }];
  return [{ [orderBy.field]: direction === 'asc' ? QueryOrder.ASC_NULLS_LAST : QueryOrder.DESC_NULLS_LAST }, { id: QueryOrder.ASC }];
}

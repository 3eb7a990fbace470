import type { Group } from '../../entities';
import { ms } from '../../services/filters';
import type { EntityRow } from '../../services/relation-pages';
import { z } from '../zod';
import { epochMs, epochMsOrNull } from './common';

/*
 * A group as each route of the document shows it. `type`: 0 static, 1 dynamic. The query fields
 * are null for a static group.
 */

const groupType = z.int().openapi({ description: '0 static, 1 dynamic.' });

/** GET /groups. */
export const groupListItem = z.object({ groupId: z.int(), groupName: z.string(), type: groupType, lastEditedAt: epochMs });
export const toGroupListItem = (g: EntityRow<Group>): z.input<typeof groupListItem> => ({
  groupId: g.id,
  groupName: g.name,
  type: g.type,
  lastEditedAt: g.lastEditedAt.getTime(),
});

/** GET /clients/{id}/groups (no name in the document's example). */
export const groupOfClient = z.object({ groupId: z.int(), type: groupType, lastEditedAt: epochMs });
export const toGroupOfClient = (g: EntityRow<Group>): z.input<typeof groupOfClient> => ({
  groupId: g.id,
  type: g.type,
  lastEditedAt: g.lastEditedAt.getTime(),
});

const queryFields = {
  enabled: z.boolean(),
  queryProperty: z.string().nullable(),
  queryOperation: z.string().nullable(),
  queryValue: z.string().nullable(),
  assignmentsChangedAt: epochMsOrNull,
  membershipChangedAt: epochMsOrNull,
  lastRefreshedAt: epochMsOrNull,
};

/** GET /jobs/{id}/groups: every field. */
export const groupOfJob = z.object({
  groupId: z.int(),
  groupName: z.string(),
  type: groupType,
  lastEditedAt: epochMs,
  ...queryFields,
  description: z.string().nullable(),
  createdAt: epochMs,
});
export const toGroupOfJob = (g: EntityRow<Group>): z.input<typeof groupOfJob> => ({
  groupId: g.id,
  groupName: g.name,
  type: g.type,
  lastEditedAt: g.lastEditedAt.getTime(),
  enabled: g.enabled,
  queryProperty: g.queryProperty,
  queryOperation: g.queryOperation,
  queryValue: g.queryValue,
  assignmentsChangedAt: ms(g.assignmentsChangedAt),
  membershipChangedAt: ms(g.membershipChangedAt),
  lastRefreshedAt: ms(g.lastRefreshedAt),
  description: g.description,
  createdAt: g.createdAt.getTime(),
});

/** POST /groups: the created group, as the document's example orders it. */
export const groupCreated = z.object({
  type: groupType,
  groupName: z.string(),
  description: z.string().nullable(),
  groupId: z.int(),
  ...queryFields,
});
export const toGroupCreated = (g: Group): z.input<typeof groupCreated> => ({
  type: g.type,
  groupName: g.name,
  description: g.description,
  groupId: g.id,
  enabled: g.enabled,
  queryProperty: g.queryProperty,
  queryOperation: g.queryOperation,
  queryValue: g.queryValue,
  assignmentsChangedAt: ms(g.assignmentsChangedAt),
  membershipChangedAt: ms(g.membershipChangedAt),
  lastRefreshedAt: ms(g.lastRefreshedAt),
});

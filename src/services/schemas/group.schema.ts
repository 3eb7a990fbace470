import { z } from './zod';
import { GROUP_OPERATIONS } from '../group-membership';
import { f, MAX_NAME } from './fields';

/**
 * A group's fields as both doors send them. The name is `groupName` (REST, the services' callers)
 * or `name` (GraphQL); the error names the one that was sent. `type`: 0 static, 1 dynamic.
 * Query fields that are `""` or null mean "none": a static group ignores them, as the
 * document's static-group example (`"queryOperation": ""`) needs; a dynamic one must have all
 * three (GroupService checks them against the stored group and the attributes).
 */
export const groupFields = {
  groupName: f.name(),
  description: f.description(),
  type: f.int(0, 1).nullish(),
  enabled: f.bool().nullish(),
  queryProperty: f.str(MAX_NAME).nullish(),
  queryOperation: f.optionalEnum(GROUP_OPERATIONS),
  queryValue: f.str().nullish(),
};

const nameAlias = { name: groupFields.groupName.nullish(), groupName: groupFields.groupName.nullish() };

/** The name sent under either key, as `groupName`. */
const withName = <T extends { name?: string | null; groupName?: string | null }>({ name, groupName, ...rest }: T) => ({
  ...rest,
  groupName: groupName ?? name ?? undefined,
});

export const groupCreateSchema = z
  .object({ ...groupFields, ...nameAlias })
  .refine((g) => g.groupName != null || g.name != null, { path: ['groupName'], error: () => `expected a non-empty string of at most ${MAX_NAME} characters` })
  .transform(withName);
export const groupUpdateSchema = z.object({ ...groupFields, ...nameAlias }).transform(withName);

/** A dynamic group's query on its own (the editor's preview before saving): all three are needed. */
export const groupQuerySchema = z.object({
  queryProperty: f.str(MAX_NAME).min(1, { error: () => `expected a non-empty string of at most ${MAX_NAME} characters` }),
  queryOperation: f.enum(GROUP_OPERATIONS),
  queryValue: f.str(),
});

/**
 * What the group service's create and update take, unchecked: the schemas decide. Create needs the
 * name; update leaves out what is not given.
 */
export type GroupInput = Partial<z.input<typeof groupUpdateSchema>>;

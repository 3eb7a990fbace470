import { z } from './zod';
import { CLIENT_ROLES, CLIENT_STATUSES, GROUP_TYPES, STORED_FILE_KINDS, STORED_FILE_STATUSES } from '../../entities';
import { expect, f } from './fields';
import { parseInput } from './parse';

/**
 * The list filters in the services' (and GraphQL's) names, one schema per entity, parsed by the
 * entity's `list()` whichever door asked. REST's query parameters (`jobNameContain`,
 * `createAtGte`, ...) are built from these fields (rest-compat/queries.ts), so both doors refuse
 * the same values with the same words. `null` means "any", as an omitted field does.
 */

/** A time window in epoch milliseconds; either end may be left open. */
export const timeRangeSchema = z.object({ gte: f.epochMs().nullish(), lte: f.epochMs().nullish() }, expect('a time range { gte, lte }')).nullish();

/** A name or a part of one: any text (nothing is refused for not matching). */
const text = () => f.str().nullish();
const id = () => f.id().nullish();

/** Most MQTT client ids one filter may name. */
export const MAX_FILTER_IDS = 1000;

/** What the job and task lists share: id, name (equals / contains), enabled and four time ranges. */
export const configurationFilterFields = {
  id: id(),
  /** Name equals. */
  name: text(),
  /** Name contains, case-insensitive. */
  nameContains: text(),
  enabled: f.bool().nullish(),
  lastEditedAt: timeRangeSchema,
  lastRunAt: timeRangeSchema,
  assignmentsChangedAt: timeRangeSchema,
  createdAt: timeRangeSchema,
};

/**
 * At most one of the scoping fields (each names a different route of the REST document); the
 * second one given is the field refused.
 */
function atMostOne<K extends string>(keys: readonly K[]) {
  return (value: Partial<Record<K, unknown>>, ctx: z.core.$RefinementCtx<Partial<Record<K, unknown>>>) => {
    const given = keys.filter((k) => value[k] != null);
    if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1]], message: `expected at most one of ${keys.join(', ')}`, input: value[given[1]] });
  };
}

export const JOB_SCOPES = ['taskId', 'clientId', 'groupId'] as const;
export const jobFilterSchema = z
  .object({
    ...configurationFilterFields,
    /** Only jobs that contain this task. */
    taskId: id(),
    /** Only jobs that reach this client (directly or through its groups). */
    clientId: id(),
    /** Only jobs aimed at this group. */
    groupId: id(),
  })
  .superRefine(atMostOne(JOB_SCOPES));

export const TASK_SCOPES = ['jobId', 'clientId'] as const;
export const taskFilterSchema = z
  .object({
    ...configurationFilterFields,
    /** Only the tasks of this job, in job order (unless an order is asked for). */
    jobId: id(),
    /** Only the tasks of the jobs that reach this client. */
    clientId: id(),
  })
  .superRefine(atMostOne(TASK_SCOPES));

export const CLIENT_SCOPES = ['groupId', 'jobId', 'targetOfJobId', 'taskId'] as const;
export const clientFilterFields = {
  id: id(),
  username: text(),
  usernameContains: text(),
  /** MQTT client id is one of these. */
  mqttClientId: z
    .array(f.str(), expect('a list of strings'))
    .max(MAX_FILTER_IDS, expect(`at most ${MAX_FILTER_IDS} MQTT client ids`))
    .nullish(),
  mqttClientIdContains: text(),
  status: f.enum(CLIENT_STATUSES).nullish(),
  enabled: f.bool().nullish(),
  role: f.enum(CLIENT_ROLES).nullish(),
  connectedAt: timeRangeSchema,
  disconnectedAt: timeRangeSchema,
  createdAt: timeRangeSchema,
};
export const clientFilterSchema = z
  .object({
    ...clientFilterFields,
    /** Only members of this group (static or dynamic). */
    groupId: id(),
    /** Only clients this job is aimed at directly. */
    jobId: id(),
    /** Only clients this job reaches (directly or through its groups). */
    targetOfJobId: id(),
    /** Only clients that a job with this task reaches. */
    taskId: id(),
  })
  .superRefine(atMostOne(CLIENT_SCOPES));

export const GROUP_SCOPES = ['clientId', 'jobId'] as const;
export const groupFilterFields = {
  name: text(),
  nameContains: text(),
  /** 0 static, 1 dynamic. */
  type: f.int(GROUP_TYPES.STATIC, GROUP_TYPES.DYNAMIC).nullish(),
  enabled: f.bool().nullish(),
  lastEditedAt: timeRangeSchema,
  createdAt: timeRangeSchema,
};
export const groupFilterSchema = z
  .object({
    ...groupFilterFields,
    /** Only groups this client belongs to. */
    clientId: id(),
    /** Only groups this job is aimed at. */
    jobId: id(),
  })
  .superRefine(atMostOne(GROUP_SCOPES));

/** Most values one "is one of these" filter of the file store may list (each has three; repeats are harmless). */
export const MAX_FILTER_VALUES = 10;
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z
    .array(f.enum(values), expect(`a list of ${what}`))
    .max(MAX_FILTER_VALUES, expect(`at most ${MAX_FILTER_VALUES} ${what}`))
    .nullish();

export const storedFileFilterSchema = z.object({
  /** The sender's record id. */
  clientId: id(),
  mqttClientId: text(),
  reportId: text(),
  sessionId: text(),
  /** Name equals. */
  name: text(),
  /** Name contains, case-insensitive. */
  nameContains: text(),
  kinds: oneOf(STORED_FILE_KINDS, 'kinds'),
  statuses: oneOf(STORED_FILE_STATUSES, 'statuses'),
  createdAt: timeRangeSchema,
  completedAt: timeRangeSchema,
});

/** What each list takes, unchecked (the schemas decide). */
export type JobFilter = z.input<typeof jobFilterSchema>;
export type TaskFilter = z.input<typeof taskFilterSchema>;
export type ClientFilter = z.input<typeof clientFilterSchema>;
export type GroupFilter = z.input<typeof groupFilterSchema>;
export type StoredFileFilter = z.input<typeof storedFileFilterSchema>;

/**
 * The `{ filter }` wrapper of each filter schema, made once: a zod object schema compiles its
 * parser on its first parse, which made one per call cost more than the job page's own SQL
 * building (bench/graphql-vs-sql).
 */
const filterArguments = new WeakMap<z.ZodType, z.ZodType>();

/**
 * Parses a list's filter; a refusal names the field within `filter` (`filter.nameContains`), as
 * GraphQL's argument is called (REST refuses its own parameters before, under their names).
 */
export function parseFilter<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> | Record<string, never> {
  let wrapped = filterArguments.get(schema);
  if (!wrapped) filterArguments.set(schema, (wrapped = z.object({ filter: schema.nullish() })));
  return (parseInput(wrapped, { filter: raw }) as { filter?: z.output<S> | null }).filter ?? {};
}

import { Field, InputType, registerEnumType } from 'type-graphql';
import type {
  AttributeOrderField as AttributeField,
  ClientOrderField as ClientField,
  GroupOrderField as GroupField,
  JobOrderField as JobField,
  OrderBy,
  TaskOrderField as TaskField,
} from '../services/ordering';
import { OrderDirection } from './common.type';

/**
 * The `orderBy` argument of the top-level lists: one whitelisted field and a direction. Each
 * enum value maps to the service's field name (src/services/ordering.ts); ties are broken by id.
 */

export enum ClientOrderField {
  ID = 'id',
  MQTT_CLIENT_ID = 'mqttClientId',
  USERNAME = 'username',
  IP = 'ip',
  ROLE = 'role',
  ENABLED = 'enable',
  STATUS = 'status',
  CONNECTED_AT = 'connectedAt',
  DISCONNECTED_AT = 'disconnectedAt',
  CREATED_AT = 'createdAt',
}
registerEnumType(ClientOrderField, { name: 'ClientOrderField', description: 'What the client list can be sorted by.' });

export enum GroupOrderField {
  ID = 'id',
  NAME = 'name',
  TYPE = 'type',
  ENABLED = 'enabled',
  CREATED_AT = 'createdAt',
  LAST_EDITED_AT = 'lastEditedAt',
  ASSIGNMENTS_CHANGED_AT = 'assignmentsChangedAt',
}
registerEnumType(GroupOrderField, { name: 'GroupOrderField', description: 'What the group list can be sorted by.' });

export enum JobOrderField {
  ID = 'id',
  NAME = 'name',
  ENABLED = 'enabled',
  PRIORITY = 'priority',
  CREATED_AT = 'createdAt',
  LAST_EDITED_AT = 'lastEditedAt',
  LAST_RUN_AT = 'lastRunAt',
  NEXT_RUN_AT = 'nextRunAt',
  ASSIGNMENTS_CHANGED_AT = 'assignmentsChangedAt',
}
registerEnumType(JobOrderField, { name: 'JobOrderField', description: 'What the job list can be sorted by.' });

export enum TaskOrderField {
  ID = 'id',
  NAME = 'name',
  ENABLED = 'enabled',
  PRIORITY = 'priority',
  CREATED_AT = 'createdAt',
  LAST_EDITED_AT = 'lastEditedAt',
  LAST_RUN_AT = 'lastRunAt',
  ASSIGNMENTS_CHANGED_AT = 'assignmentsChangedAt',
}
registerEnumType(TaskOrderField, { name: 'TaskOrderField', description: 'What the task list can be sorted by.' });

export enum AttributeOrderField {
  ID = 'id',
  NAME = 'name',
  TYPE = 'type',
  CREATED_AT = 'createdAt',
}
registerEnumType(AttributeOrderField, { name: 'AttributeOrderField', description: 'What the attribute list can be sorted by.' });

@InputType({ description: 'How to sort clients (default: by id, ascending).' })
export class ClientOrderInput {
  @Field(() => ClientOrderField)
  field!: ClientOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection = OrderDirection.ASC;
}

@InputType({ description: 'How to sort groups (default: by id, ascending).' })
export class GroupOrderInput {
  @Field(() => GroupOrderField)
  field!: GroupOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection = OrderDirection.ASC;
}

@InputType({ description: 'How to sort jobs (default: by id, ascending).' })
export class JobOrderInput {
  @Field(() => JobOrderField)
  field!: JobOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection = OrderDirection.ASC;
}

@InputType({ description: "How to sort tasks (default: by id ascending; a job's tasks in job order)." })
export class TaskOrderInput {
  @Field(() => TaskOrderField)
  field!: TaskOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection = OrderDirection.ASC;
}

@InputType({ description: 'How to sort attribute definitions (default: by id, ascending).' })
export class AttributeOrderInput {
  @Field(() => AttributeOrderField)
  field!: AttributeOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection = OrderDirection.ASC;
}

type OrderInput<F extends string> = { field: F; direction?: OrderDirection | null };

/** The service's `orderBy` from the GraphQL argument (undefined: the list's default order). */
export function orderBy<F extends ClientField | GroupField | JobField | TaskField | AttributeField>(
  input: OrderInput<F> | null | undefined,
): OrderBy<F> | undefined {
  return input ? { field: input.field, direction: input.direction ?? 'asc' } : undefined;
}

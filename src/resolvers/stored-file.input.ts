import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, InputType, Int, registerEnumType } from 'type-graphql';
import { OrderDirection, TimeRangeInput } from './common.type';
import { StoredFileKind, StoredFileStatus } from './stored-file.type';

// Checked by the file store's filter schema (services/schemas/filter.schema.ts), for both doors.
@InputType({ description: 'Filters of the stored file list; every field given must hold.' })
export class StoredFileFilterInput {
  @Field(() => Int, { nullable: true, description: "The sender's client id." })
  clientId?: number | null;

  @Field(() => String, { nullable: true })
  mqttClientId?: string | null;

  @Field(() => String, { nullable: true })
  reportId?: string | null;

  @Field(() => String, { nullable: true })
  sessionId?: string | null;

  @Field(() => String, { nullable: true, description: 'Name equals.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Name contains (case-insensitive).' })
  nameContains?: string | null;

  @Field(() => [StoredFileKind], { nullable: true, description: 'Kind is one of these.' })
  kinds?: StoredFileKind[] | null;

  @Field(() => [StoredFileStatus], { nullable: true, description: 'Status is one of these.' })
  statuses?: StoredFileStatus[] | null;

  @Field(() => TimeRangeInput, { nullable: true })
  createdAt?: TimeRangeInput | null;

  @Field(() => TimeRangeInput, { nullable: true })
  completedAt?: TimeRangeInput | null;
}

export enum StoredFileOrderField {
  ID = 'id',
  NAME = 'name',
  SIZE = 'size',
  KIND = 'kind',
  STATUS = 'status',
  CREATED_AT = 'createdAt',
  COMPLETED_AT = 'completedAt',
}
registerEnumType(StoredFileOrderField, { name: 'StoredFileOrderField', description: 'What the stored file list can be sorted by.' });

@InputType({ description: 'How to sort stored files (default: newest first, by id descending).' })
export class StoredFileOrderInput {
  @Field(() => StoredFileOrderField)
  field!: StoredFileOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction: OrderDirection = OrderDirection.ASC;
}

@InputType({ description: 'A partial update of the file store retention settings.' })
export class FileStoreSettingsInput {
  @Field(() => Int, { nullable: true, description: 'Days, from 0 (no bound).' })
  maxAgeDays?: number | null;

  @Field(() => GraphQLSafeInt, { nullable: true, description: 'Bytes, from 0 (no bound).' })
  maxTotalBytes?: number | null;

  @Field(() => Int, { nullable: true, description: 'Hours, from 1.' })
  partialGraceHours?: number | null;
}

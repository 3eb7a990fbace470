import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from './common.type';

export enum StoredFileKind {
  UPLOAD = 'upload',
  TRANSFER = 'transfer',
  FETCH = 'fetch',
}
registerEnumType(StoredFileKind, {
  name: 'StoredFileKind',
  description: 'Why a file is in the store.',
  valuesConfig: {
    UPLOAD: { description: "An agent's UPLOAD_TO_SERVER step." },
    TRANSFER: { description: 'The spool of a SEND_FILE or BROADCAST (receivers that missed chunks are served from it).' },
    FETCH: { description: "A file an operator fetched from an agent's folder." },
  },
});

export enum StoredFileStatus {
  PARTIAL = 'PARTIAL',
  COMPLETE = 'COMPLETE',
  FAILED = 'FAILED',
}
registerEnumType(StoredFileStatus, {
  name: 'StoredFileStatus',
  valuesConfig: {
    PARTIAL: { description: 'Bytes still arriving.' },
    COMPLETE: { description: 'Every byte there, size and SHA-256 checked: downloadable.' },
    FAILED: { description: 'Given up (see message); no bytes kept.' },
  },
});

@ObjectType('StoredFile', { description: "A file in the management server's file store. The same name from two clients or two runs is two files." })
export class StoredFileObject {
  @Field(() => Int)
  id!: number;

  @Field({ description: 'The name the sender gave.' })
  name!: string;

  @Field(() => GraphQLSafeInt, { description: 'Bytes.' })
  size!: number;

  @Field({ description: 'Lower-case hex SHA-256 of the whole file.' })
  sha256!: string;

  @Field(() => StoredFileKind)
  kind!: StoredFileKind;

  @Field(() => StoredFileStatus)
  status!: StoredFileStatus;

  @Field(() => String, { nullable: true, description: "The sender's MQTT client id (kept when its client record is deleted)." })
  mqttClientId!: string | null;

  @Field(() => String, { nullable: true, description: 'The report whose step sent the file.' })
  reportId!: string | null;

  @Field(() => String, { nullable: true, description: 'The transfer session that wrote it.' })
  sessionId!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the file FAILED.' })
  message!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { description: 'The last change (bytes written are recorded at most once a minute).' })
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Retention leaves the file alone until then.' })
  keepUntil!: Date | null;
}

@ObjectType({ description: 'A page of stored files.' })
export class StoredFilePage extends PageOf(StoredFileObject) {}

@ObjectType({ description: 'What the file store holds.' })
export class FileStoreUsage {
  @Field(() => Int)
  completeFiles!: number;

  @Field(() => GraphQLSafeInt)
  completeBytes!: number;

  @Field(() => Int)
  partialFiles!: number;

  @Field(() => GraphQLSafeInt, { description: 'Declared sizes of the files still arriving.' })
  partialBytes!: number;

  @Field(() => Int)
  failedFiles!: number;
}

@ObjectType({ description: 'Retention of the file store, one policy for every gateway on the database (docs/files.md).' })
export class FileStoreSettings {
  @Field(() => Int, { description: 'COMPLETE files older than this many days are removed; 0: no bound.' })
  maxAgeDays!: number;

  @Field(() => GraphQLSafeInt, {
    description: 'COMPLETE files together stay under this many bytes, oldest removed first; a larger file is refused; 0: no bound.',
  })
  maxTotalBytes!: number;

  @Field(() => Int, { description: 'PARTIAL and FAILED files untouched this many hours are removed (abandoned sessions).' })
  partialGraceHours!: number;
}

@ObjectType({ description: 'What retention removed.' })
export class RetentionResult {
  @Field(() => Int)
  removed!: number;

  @Field(() => GraphQLSafeInt, { description: 'Bytes of the COMPLETE files removed.' })
  bytes!: number;
}

import { BigIntType, Entity, Enum, Index, ManyToOne, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';
import { Client } from './client.entity';

/** Why a file is in the store: an agent's UPLOAD_TO_SERVER, a transfer's spool, an operator's fetch. */
export const STORED_FILE_KINDS = ['upload', 'transfer', 'fetch'] as const;
export type StoredFileKind = (typeof STORED_FILE_KINDS)[number];

/** PARTIAL: bytes still arriving; COMPLETE: every byte there, size and SHA-256 checked; FAILED: given up (no bytes kept). */
export const STORED_FILE_STATUSES = ['PARTIAL', 'COMPLETE', 'FAILED'] as const;
export type StoredFileStatus = (typeof STORED_FILE_STATUSES)[number];

/**
 * A file in the management server's file store (src/files): the metadata here, the bytes in the
 * BlobStorage under `storagePath`. The same name from two clients or two runs is two rows.
 */
@Entity({ tableName: 'stored_file' })
@Index({ properties: ['status', 'completedAt'] })
export class StoredFile {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'set null', index: true })
  client: Client | null = null;

  /** The sending client's MQTT client id, kept when the client record is deleted. */
  @Property({ type: t.string, nullable: true })
  @Index()
  mqttClientId: string | null = null;

  /** The report (wire id) whose step sent the file; not a foreign key: a file outlives its run's records. */
  @Property({ type: t.string, nullable: true })
  @Index()
  reportId: string | null = null;

  /** The transfer session that writes the file (docs/protocol.md, transfers). */
  @Property({ type: t.string, nullable: true })
  @Index()
  sessionId: string | null = null;

  @Enum({ items: () => STORED_FILE_KINDS, type: t.string })
  kind: StoredFileKind & Opt = 'upload';

  @Enum({ items: () => STORED_FILE_STATUSES, type: t.string })
  status: StoredFileStatus & Opt = 'PARTIAL';

  /** The file's name as the sender gave it. */
  @Property({ type: t.text })
  name!: string;

  /** The BlobStorage key of the bytes (relative to the file store folder on local disk). */
  @Property({ type: t.text, unique: true })
  storagePath!: string;

  /** Bytes, as declared when the file was begun; checked against the bytes stored on completion. */
  @Property({ type: new BigIntType('number') })
  size!: number;

  /** Lower-case hex SHA-256 of the whole file, as declared; checked on completion. */
  @Property({ type: t.string })
  sha256!: string;

  /** Why the file FAILED (or other notes for operators). */
  @Property({ type: t.text, nullable: true })
  message: string | null = null;

  @Property({ type: t.datetime })
  @Index()
  createdAt: Date & Opt = new Date();

  /** The last change: begun, bytes written (recorded at most once a minute), completed, failed. */
  @Property({ type: t.datetime })
  updatedAt: Date & Opt = new Date();

  @Property({ type: t.datetime, nullable: true })
  completedAt: Date | null = null;

  /** Retention leaves the file alone until then (a transfer's spool while its run may still need it). */
  @Property({ type: t.datetime, nullable: true })
  keepUntil: Date | null = null;
}

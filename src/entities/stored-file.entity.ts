import { Entity, ManyToOne, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';
import { Client } from './client.entity';

/** A file an agent uploaded to the management server's file store. */
@Entity({ tableName: 'stored_file' })
export class StoredFile {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => Client, { nullable: true, deleteRule: 'set null', index: true })
  client: Client | null = null;

  @Property({ type: t.string, nullable: true })
  reportId: string | null = null;

  @Property({ type: t.text })
  name!: string;

  /** Where the bytes are, relative to the file store folder. */
  @Property({ type: t.text })
  storagePath!: string;

  @Property({ type: t.bigint })
  size!: string;

  @Property({ type: t.string })
  sha256!: string;

  @Property({ type: t.datetime })
  createdAt: Date & Opt = new Date();
}

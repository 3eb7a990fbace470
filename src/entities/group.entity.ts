import { Collection, Entity, Index, ManyToMany, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';
import { Client } from './client.entity';

export const GROUP_TYPES = { STATIC: 0, DYNAMIC: 1 } as const;

/**
 * A set of clients. Static groups hold the members operators bound; dynamic groups hold the
 * clients matching `queryProperty queryOperation queryValue`. Dynamic membership is materialised
 * into the same member table (refreshed whenever a client, an attribute value or the query
 * changes) so that "the clients of a job" is one join for both kinds.
 */
@Entity({ tableName: 'client_group' })
export class Group {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.string })
  @Index()
  name!: string;

  @Property({ type: t.text, nullable: true })
  description: string | null = null;

  /** 0 = static, 1 = dynamic. */
  @Property({ type: t.smallint })
  type: number & Opt = GROUP_TYPES.STATIC;

  @Property({ type: t.boolean })
  enabled: boolean & Opt = true;

  @Property({ type: t.string, nullable: true })
  queryProperty: string | null = null;

  @Property({ type: t.string, nullable: true })
  queryOperation: string | null = null;

  @Property({ type: t.text, nullable: true })
  queryValue: string | null = null;

  @Property({ type: t.datetime })
  createdAt: Date & Opt = new Date();

  @Property({ type: t.datetime })
  lastEditedAt: Date & Opt = new Date();

  @Property({ type: t.datetime, nullable: true })
  assignmentsChangedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  membershipChangedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  lastRefreshedAt: Date | null = null;

  @ManyToMany({ entity: () => Client, owner: true, pivotTable: 'group_client', joinColumn: 'group_id', inverseJoinColumn: 'client_id' })
  clients = new Collection<Client>(this);
}

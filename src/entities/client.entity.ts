import { Collection, Entity, Enum, Index, ManyToMany, OneToMany, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';
import type { ClientAttributeValue } from './client-attribute-value.entity';
import type { Group } from './group.entity';

export const CLIENT_ROLES = ['SERVER', 'STORE'] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];
export const CLIENT_STATUSES = ['ONLINE', 'OFFLINE'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

/** One agent of the fleet, known by its MQTT client id. */
@Entity({ tableName: 'client' })
export class Client {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.string, unique: true })
  mqttClientId!: string;

  @Property({ type: t.string, nullable: true })
  @Index()
  username: string | null = null;

  @Property({ type: t.string, nullable: true })
  ip: string | null = null;

  @Property({ type: t.string, nullable: true })
  hostname: string | null = null;

  @Property({ type: t.string, nullable: true })
  agentVersion: string | null = null;

  @Enum({ items: () => CLIENT_ROLES, type: t.string })
  role: ClientRole & Opt = 'STORE';

  @Property({ type: t.boolean })
  @Index()
  enable: boolean & Opt = false;

  @Enum({ items: () => CLIENT_STATUSES, type: t.string })
  @Index()
  status: ClientStatus & Opt = 'OFFLINE';

  @Property({ type: t.datetime, nullable: true })
  @Index()
  connectedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  @Index()
  disconnectedAt: Date | null = null;

  @Property({ type: t.datetime })
  @Index()
  createdAt: Date & Opt = new Date();

  @Property({ type: t.datetime, onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  @OneToMany('ClientAttributeValue', 'client')
  attributes = new Collection<ClientAttributeValue>(this);

  @ManyToMany('Group', 'clients')
  groups = new Collection<Group>(this);
}

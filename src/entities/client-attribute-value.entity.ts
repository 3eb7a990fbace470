import { Entity, ManyToOne, PrimaryKey, Property, t, Unique } from '@mikro-orm/core';
import { Attribute } from './attribute.entity';
import { Client } from './client.entity';

/** The value one client holds for one attribute. */
@Entity({ tableName: 'client_attribute_value' })
@Unique({ properties: ['client', 'attribute'] })
export class ClientAttributeValue {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @ManyToOne(() => Attribute, { deleteRule: 'cascade', index: true })
  attribute!: Attribute;

  @Property({ type: t.text, nullable: true })
  value: string | null = null;
}

import { Entity, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';

/**
 * Attribute value types. The API carries them as integers (the document's create example);
 * the name is what an operator reads.
 */
export const ATTRIBUTE_TYPES = ['STRING', 'NUMBER', 'BOOLEAN', 'DATE'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** An operator-defined client property, such as "region" or "storeFormat". */
@Entity({ tableName: 'attribute' })
export class Attribute {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.string, unique: true })
  name!: string;

  /** Index into ATTRIBUTE_TYPES. */
  @Property({ type: t.smallint })
  type: number & Opt = 0;

  @Property({ type: t.text, nullable: true })
  defaultValue: string | null = null;

  @Property({ type: t.boolean })
  display: boolean & Opt = true;

  @Property({ type: t.boolean })
  readOnly: boolean & Opt = false;

  @Property({ type: t.datetime })
  createdAt: Date & Opt = new Date();
}

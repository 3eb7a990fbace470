import { Entity, Index, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';

/** An ordered script of file steps (see Step). */
@Entity({ tableName: 'task' })
export class Task {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.string })
  @Index()
  name!: string;

  @Property({ type: t.text, nullable: true })
  description: string | null = null;

  @Property({ type: t.integer })
  priority: number & Opt = 0;

  @Property({ type: t.boolean })
  @Index()
  enabled: boolean & Opt = true;

  @Property({ type: t.boolean })
  disableValidation: boolean & Opt = false;

  @Property({ type: t.datetime })
  @Index()
  createdAt: Date & Opt = new Date();

  @Property({ type: t.datetime })
  @Index()
  lastEditedAt: Date & Opt = new Date();

  @Property({ type: t.datetime, nullable: true })
  @Index()
  lastRunAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  @Index()
  assignmentsChangedAt: Date | null = null;
}

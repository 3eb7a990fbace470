import { Entity, PrimaryKey, Property, t } from '@mikro-orm/core';

/** The number of online clients at one moment, for the online-clients chart. */
@Entity({ tableName: 'online_sample' })
export class OnlineSample {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.datetime, index: true })
  time!: Date;

  @Property({ type: t.integer })
  count!: number;
}

import { Entity, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';

export const SETTING_KEYS = ['general', 'job', 'task', 'client', 'files'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** One settings section (general, job, task, client, files) as a JSON document. */
@Entity({ tableName: 'setting' })
export class Setting {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.string, unique: true })
  key!: SettingKey;

  @Property({ type: t.json })
  value!: Record<string, unknown>;

  @Property({ type: t.datetime })
  updatedAt: Date & Opt = new Date();
}

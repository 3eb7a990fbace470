import { randomUUID } from 'node:crypto';
import { Setting, type SettingKey } from '../entities';
import { FILE_STORE_CHECKS, FILE_STORE_DEFAULTS, type FileStoreSettings } from '../files/file-store.settings';
import { errors } from './errors';
import { publishChange, type ServiceContext } from './service-context';

export type { FileStoreSettings };

export interface GeneralSettings {
  managementServerTimeZone: string;
  communicationServerTimeZone: string;
  region: string;
  /** Minutes of inactivity before an operator's session expires. */
  adminTimeOut: number;
}

export interface JobSettings {
  /** The scheduler switch: false stops scheduled runs (manual runs still work). */
  enable: boolean;
  maxRetried: number;
  retryWait: number;
  /** How many client executions may run at once. */
  maxConcurrentSession: number;
}

export interface TaskSettings {
  enable: boolean;
  priority: number;
  disableValidation: boolean;
}

export interface ClientSettings {
  autoEnableNewClient: boolean;
}

export interface SettingsSections {
  general: GeneralSettings;
  job: JobSettings;
  task: TaskSettings;
  client: ClientSettings;
  files: FileStoreSettings;
}

/** What a fresh installation starts with. */
export const DEFAULT_SETTINGS: SettingsSections = {
  general: { managementServerTimeZone: 'UTC', communicationServerTimeZone: 'UTC', region: '', adminTimeOut: 30 },
  job: { enable: true, maxRetried: 0, retryWait: 60, maxConcurrentSession: 100 },
  task: { enable: true, priority: 0, disableValidation: false },
  client: { autoEnableNewClient: false },
  files: FILE_STORE_DEFAULTS,
};

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

type Checker<T> = { [K in keyof T]: (value: unknown) => string | null };

const nonNegativeInt = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? null : 'a non-negative integer');
const bool = (v: unknown) => (typeof v === 'boolean' ? null : 'true or false');
const zone = (v: unknown) => (typeof v === 'string' && isTimeZone(v) ? null : 'an IANA time zone such as "Asia/Shanghai" or "UTC"');

const CHECKS: { [K in SettingKey]: Checker<SettingsSections[K]> } = {
  general: {
    managementServerTimeZone: zone,
    communicationServerTimeZone: zone,
    region: (v) => (typeof v === 'string' ? null : 'a string'),
    adminTimeOut: (v) => (Number.isInteger(v) && (v as number) >= 1 ? null : 'an integer number of minutes from 1'),
  },
  job: {
    enable: bool,
    maxRetried: nonNegativeInt,
    retryWait: nonNegativeInt,
    maxConcurrentSession: (v) => (Number.isInteger(v) && (v as number) >= 1 ? null : 'an integer from 1'),
  },
  task: { enable: bool, priority: (v) => (Number.isInteger(v) ? null : 'an integer'), disableValidation: bool },
  client: { autoEnableNewClient: bool },
  files: FILE_STORE_CHECKS,
};

/** Settings sections, each a JSON document with defaults filled in on first read. */
export class SettingsService {
  constructor(private readonly ctx: ServiceContext) {}

  /** The section and its row id (the document shows ids such as clientSettingsId). */
  async read<K extends SettingKey>(key: K): Promise<{ id: number; value: SettingsSections[K] }> {
    let row = await this.ctx.em.findOne(Setting, { key });
    if (!row) {
      await this.ctx.em.upsert(
        Setting,
        { key, value: DEFAULT_SETTINGS[key] as unknown as Record<string, unknown>, updatedAt: this.ctx.clock.now() },
        { onConflictFields: ['key'], onConflictAction: 'ignore' },
      );
      row = await this.ctx.em.findOneOrFail(Setting, { key });
    }
    return { id: row.id, value: { ...DEFAULT_SETTINGS[key], ...(row.value as object) } as SettingsSections[K] };
  }

  async get<K extends SettingKey>(key: K): Promise<SettingsSections[K]> {
    return (await this.read(key)).value;
  }

  /**
   * The id of this installation: random, made by the first gateway on the database and shared by
   * every gateway on it. It scopes what gateways tell each other on the broker (live-relay.ts),
   * so test databases or separate installations on one broker never hear each other. Not a
   * settings section: no route shows or changes it.
   */
  async installationId(): Promise<string> {
    const conn = this.ctx.em.getConnection();
    await conn.execute(`insert into setting (key, value, updated_at) values ('installation', ?::jsonb, ?) on conflict (key) do nothing`, [
      JSON.stringify({ id: randomUUID().replace(/-/g, '') }),
      this.ctx.clock.now(),
    ]);
    const [row] = await conn.execute<{ id: string }[]>(`select value->>'id' as id from setting where key = 'installation'`);
    return row.id;
  }

  /** Merges a partial update after checking every field given; unknown fields are refused. */
  async update<K extends SettingKey>(key: K, patch: Partial<SettingsSections[K]>): Promise<{ id: number; value: SettingsSections[K] }> {
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw errors.invalid('body', 'an object of settings fields');
    const checks = CHECKS[key] as Record<string, (v: unknown) => string | null>;
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const check = checks[field];
      if (!check) throw errors.invalid(field, `one of the ${key} settings (${Object.keys(checks).join(', ')})`);
      const expected = check(value);
      if (expected) throw errors.invalid(field, expected, value);
    }
    const current = await this.read(key);
    const value = { ...current.value, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as SettingsSections[K];
    await this.ctx.em.nativeUpdate(Setting, { key }, { value: value as unknown as Record<string, unknown>, updatedAt: this.ctx.clock.now() });
    publishChange(this.ctx, 'SETTINGS', 'UPDATED', current.id);
    return { id: current.id, value };
  }
}

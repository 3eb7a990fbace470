import { randomUUID } from 'node:crypto';
import { credentialsChanged } from '../auth/credential-cache';
import { Setting, type SettingKey } from '../entities';
import { FILE_STORE_DEFAULTS, type FileStoreSettings } from '../files/file-store.settings';
import { parseInput } from './schemas/parse';
import { settingsFields, settingsPatchSchema } from './schemas/settings.schema';
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

/** A partial update of a section as either door sends it, unchecked: null or left out leaves a field as it is. */
export type SettingsPatch<K extends SettingKey> = { [F in keyof SettingsSections[K]]?: SettingsSections[K][F] | null };

/** What a fresh installation starts with. */
export const DEFAULT_SETTINGS: SettingsSections = {
  general: { managementServerTimeZone: 'UTC', communicationServerTimeZone: 'UTC', region: '', adminTimeOut: 30 },
  job: { enable: true, maxRetried: 0, retryWait: 60, maxConcurrentSession: 100 },
  task: { enable: true, priority: 0, disableValidation: false },
  client: { autoEnableNewClient: false },
  files: FILE_STORE_DEFAULTS,
};

const PATCH_SCHEMAS = Object.fromEntries((Object.keys(settingsFields) as SettingKey[]).map((key) => [key, settingsPatchSchema(key)])) as Record<
  SettingKey,
  ReturnType<typeof settingsPatchSchema>
>;

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

  /**
   * Merges a partial update after checking every field given (schemas/settings.schema.ts);
   * null or left out: unchanged; unknown fields are refused.
   */
  async update<K extends SettingKey>(key: K, patch: SettingsPatch<K>): Promise<{ id: number; value: SettingsSections[K] }> {
    const given = Object.fromEntries(Object.entries(parseInput(PATCH_SCHEMAS[key], patch, 'body')).filter(([, v]) => v !== null && v !== undefined));
    const current = await this.read(key);
    const value = { ...current.value, ...given } as SettingsSections[K];
    await this.ctx.em.nativeUpdate(Setting, { key }, { value: value as unknown as Record<string, unknown>, updatedAt: this.ctx.clock.now() });
    publishChange(this.ctx, 'SETTINGS', 'UPDATED', current.id);
    // adminTimeOut decides whether a session still holds.
    if (key === 'general') credentialsChanged();
    return { id: current.id, value };
  }
}

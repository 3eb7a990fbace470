import type { EntityManager } from '@mikro-orm/postgresql';
import { Setting } from '../entities';

/**
 * Retention of the file store: the settings section `files`, in the database so that every
 * gateway on it applies one policy (docs/files.md). SettingsService reads and changes it like the
 * other sections; the store reads it here (this module imports no service, so the services may
 * import the store).
 */
export interface FileStoreSettings {
  /** Complete files older than this many days are removed; 0 keeps them whatever their age. */
  maxAgeDays: number;
  /** The complete files together stay under this many bytes, oldest removed first; 0 sets no bound. A larger file is refused. */
  maxTotalBytes: number;
  /** Files still PARTIAL (or FAILED) this many hours after their last byte are removed: their sessions were abandoned. */
  partialGraceHours: number;
}

export const FILE_STORE_DEFAULTS: FileStoreSettings = { maxAgeDays: 30, maxTotalBytes: 10 * 1024 ** 3, partialGraceHours: 24 };

/** Each field's check: null when the value is good, else the form it must take. */
export const FILE_STORE_CHECKS: { [K in keyof FileStoreSettings]: (value: unknown) => string | null } = {
  maxAgeDays: (v) => (Number.isInteger(v) && (v as number) >= 0 ? null : 'a non-negative integer number of days (0: no bound)'),
  maxTotalBytes: (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'a non-negative integer number of bytes (0: no bound)'),
  partialGraceHours: (v) => (Number.isInteger(v) && (v as number) >= 1 ? null : 'an integer number of hours from 1'),
};

/** The section as stored, defaults filled in (nothing is written: SettingsService writes it on first read). */
export async function readFileStoreSettings(em: EntityManager): Promise<FileStoreSettings> {
  const row = await em.findOne(Setting, { key: 'files' });
  return { ...FILE_STORE_DEFAULTS, ...((row?.value as Partial<FileStoreSettings> | undefined) ?? {}) };
}

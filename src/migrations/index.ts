import type { MigrationObject } from '@mikro-orm/core';
import { InitialSchema20261129 } from './20261129-initial-schema.migration';
import { FileStore20261210 } from './20261210-1200-file-store.migration';

/** Committed migrations in the order they apply. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'InitialSchema20261129', class: InitialSchema20261129 },
  { name: 'FileStore20261210', class: FileStore20261210 },
];

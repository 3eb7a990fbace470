import type { MigrationObject } from '@mikro-orm/core';
import { InitialSchema20261129 } from './20261129-initial-schema.migration';
import { StepParentIndex20261216 } from './20261216-0900-step-parent-index.migration';

/** Committed migrations in the order they apply. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'InitialSchema20261129', class: InitialSchema20261129 },
  { name: 'StepParentIndex20261216', class: StepParentIndex20261216 },
];

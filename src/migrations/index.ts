import type { MigrationObject } from '@mikro-orm/core';
import { InitialSchema20261129 } from './20261129-initial-schema.migration';
import { FileStore20261210 } from './20261210-1200-file-store.migration';
import { StepParentIndex20261216 } from './20261216-0900-step-parent-index.migration';
import { OperatorAccounts20261201 } from './20261201-0900-operator-accounts.migration';
import { TransferDelivery20261220 } from './20261220-0900-transfer-delivery.migration';
import { AgentCredentials20261220 } from './20261220-0900-agent-credentials.migration';
import { EnrolmentTokens20261220 } from './20261220-1000-enrolment-tokens.migration';

/** Committed migrations in the order they apply. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'InitialSchema20261129', class: InitialSchema20261129 },
  { name: 'FileStore20261210', class: FileStore20261210 },
  { name: 'StepParentIndex20261216', class: StepParentIndex20261216 },
  { name: 'OperatorAccounts20261201', class: OperatorAccounts20261201 },
  { name: 'TransferDelivery20261220', class: TransferDelivery20261220 },
  { name: 'AgentCredentials20261220', class: AgentCredentials20261220 },
  { name: 'EnrolmentTokens20261220', class: EnrolmentTokens20261220 },
];

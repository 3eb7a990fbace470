import { randomUUID } from 'node:crypto';
import { STORED_FILE_KINDS, STORED_FILE_STATUSES, type StoredFileKind, type StoredFileStatus } from '../entities';
import { errors } from '../services/errors';

/** Longest file name the store keeps (a path of a remote fetch included). */
export const MAX_NAME_LENGTH = 1024;

/** What a transfer (or a test) declares when it starts a file. */
export interface BeginFileInput {
  name: string;
  /** Bytes the file will have. */
  size: number;
  /** Hex SHA-256 of the whole file (any case). */
  sha256: string;
  kind: StoredFileKind;
  /** The sender, by its record id or by its MQTT client id (either; the other is looked up). */
  clientId?: number | null;
  mqttClientId?: string | null;
  reportId?: string | null;
  sessionId?: string | null;
  /** Retention leaves the file alone until then. */
  keepUntil?: Date | null;
}

/** The checked form of BeginFileInput. */
export type CheckedBeginInput = Omit<BeginFileInput, 'sha256' | 'name'> & { name: string; sha256: string };

const SHA256_HEX = /^[0-9a-f]{64}$/;

function optionalText(field: string, value: string | null | undefined, max = 255): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > max || value.includes('\u0000')) throw errors.invalid(field, `a string of at most ${max} characters`, value);
  return value;
}

/** Checks a begin input; every message names the field and the form it must take. */
export function checkBeginInput(input: BeginFileInput, maxTotalBytes: number): CheckedBeginInput {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name || name.length > MAX_NAME_LENGTH || name.includes('\u0000')) {
    throw errors.invalid('name', `a non-empty file name of at most ${MAX_NAME_LENGTH} characters without NUL`, input.name);
  }
  if (!Number.isSafeInteger(input.size) || input.size < 0) throw errors.invalid('size', 'a non-negative integer number of bytes', input.size);
  if (maxTotalBytes > 0 && input.size > maxTotalBytes) {
    throw errors.invalid('size', `at most ${maxTotalBytes} bytes (the file store's maxTotalBytes setting)`, input.size);
  }
  const sha256 = typeof input.sha256 === 'string' ? input.sha256.toLowerCase() : '';
  if (!SHA256_HEX.test(sha256)) throw errors.invalid('sha256', '64 hexadecimal digits (the SHA-256 of the whole file)', input.sha256);
  if (!(STORED_FILE_KINDS as readonly string[]).includes(input.kind)) throw errors.invalid('kind', `one of ${STORED_FILE_KINDS.join(', ')}`, input.kind);
  if (input.clientId !== undefined && input.clientId !== null && !(Number.isInteger(input.clientId) && input.clientId > 0)) {
    throw errors.invalid('clientId', 'a positive integer id', input.clientId);
  }
  if (input.keepUntil !== undefined && input.keepUntil !== null && !(input.keepUntil instanceof Date && !Number.isNaN(input.keepUntil.getTime()))) {
    throw errors.invalid('keepUntil', 'a date', input.keepUntil);
  }
  return {
    ...input,
    name,
    sha256,
    mqttClientId: optionalText('mqttClientId', input.mqttClientId),
    reportId: optionalText('reportId', input.reportId),
    sessionId: optionalText('sessionId', input.sessionId),
  };
}

/** Where a stored file is downloaded (REST `GET /v1/files/{fileId}/content`; GraphQL's `downloadUrl`), relative to the gateway's URL. */
export function contentPathOf(id: number): string {
  return `/v1/files/${id}/content`;
}

/** Where a new file's bytes go: month folders keep a folder listing short; the uuid keeps names of senders out of paths. */
export function newBlobKey(now: Date): string {
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  return `${now.getUTCFullYear()}/${month}/${randomUUID()}`;
}

export function isFileKind(value: unknown): value is StoredFileKind {
  return (STORED_FILE_KINDS as readonly unknown[]).includes(value);
}

export function isFileStatus(value: unknown): value is StoredFileStatus {
  return (STORED_FILE_STATUSES as readonly unknown[]).includes(value);
}

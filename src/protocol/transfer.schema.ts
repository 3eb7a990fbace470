import { z } from 'zod';
import { parseTransferSessionTopic, PROTOCOL_VERSION } from './protocol.topics';
import { idSchema, OVERWRITE_MODES } from './step.schema';
import { decodeFrame, MAX_TRANSFER_CHUNK_BYTES, MIN_TRANSFER_CHUNK_BYTES } from './transfer.frame';

/**
 * Headers of the transfer sub-protocol (docs/protocol.md §12). `transfer-up` carries what an agent
 * sends the gateway, `transfer-down` the answers and the chunks a gateway serves.
 */

const v = z.literal(PROTOCOL_VERSION);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex SHA-256 (64 digits)');
const requestId = z.string().min(1).max(100);
const fileId = z.number().int().positive();
const index = z.number().int().min(0).max(100_000_000);
const reason = z.string().max(4000);
const retryAfterMs = z.number().int().min(0).max(3_600_000);
const chunkSize = z.number().int().min(MIN_TRANSFER_CHUNK_BYTES).max(MAX_TRANSFER_CHUNK_BYTES);
const reportId = z.string().min(1).max(200);
const encoding = z.enum(['identity', 'gzip']).optional();
const text = z.string().max(4096);
/** Issued with an offer, sent back with each fetch.get: names the installation and the offer. */
const grant = z.string().min(1).max(200);

/** FETCH: an operator fetches a file of the agent's folders (`remote.fetch`), outside any job. */
export const TRANSFER_PURPOSES = ['UPLOAD_TO_SERVER', 'SEND_FILE', 'BROADCAST', 'FETCH'] as const;
export type TransferPurpose = (typeof TRANSFER_PURPOSES)[number];

/** Most files one offer lists (a SEND_FILE wildcard). */
export const MAX_OFFER_FILES = 200;

/** `sdes/v1/transfers/{clientId}/{fileId}`: where an upload's chunks are published once (§12.2). */
const sessionTopic = z
  .string()
  .max(300)
  .refine((topic) => parseTransferSessionTopic(topic) !== null, 'sdes/v1/transfers/{clientId}/{fileId}');

const offeredFile = z.object({
  fileId,
  name: z.string().min(1).max(1024),
  size: z.number().int().min(0),
  sha256,
  /** The file is still arriving and its sender publishes the chunks here: take them there, pull only what was missed (§12.5). */
  stream: sessionTopic.optional(),
});
export type OfferedFile = z.infer<typeof offeredFile>;

const target = {
  targetFilePath: text.nullish(),
  overWrite: z.enum(OVERWRITE_MODES).nullish(),
  createFilePath: z.boolean().nullish(),
  compressFile: z.boolean().nullish(),
};

const step = { reportId, taskId: idSchema, stepId: idSchema };
/** A step's upload names its report, task and step; a FETCH upload names its `fetchId` (the remote.fetch requestId) instead. */
const uploadOrigin = { reportId: reportId.optional(), taskId: idSchema.optional(), stepId: idSchema.optional(), fetchId: requestId.optional() };

/** Most entries one listing carries; a larger folder is cut (`truncated`). */
export const MAX_LISTING_ENTRIES = 1000;
const listingEntry = z.object({
  name: z.string().min(1).max(1024),
  type: z.enum(['file', 'folder', 'other']),
  size: z.number().int().min(0),
  modifiedAt: z.number().int(),
});
export type RemoteFolderEntry = z.infer<typeof listingEntry>;

export const transferUpSchema = z.discriminatedUnion('kind', [
  z.object({
    v,
    kind: z.literal('upload.open'),
    requestId,
    ...uploadOrigin,
    purpose: z.enum(TRANSFER_PURPOSES),
    name: z.string().min(1).max(1024),
    size: z.number().int().min(0),
    sha256,
    chunkSize,
    /** Which of the step's files this is (0-based) and how many it uploads: receivers may pull the last one while it arrives (§12.5). */
    fileIndex: z.number().int().min(0).max(1_000_000).optional(),
    fileCount: z.number().int().min(1).max(1_000_000).optional(),
  }),
  z.object({ v, kind: z.literal('upload.chunk'), fileId, index, offset: z.number().int().min(0), sha256, encoding }),
  z.object({ v, kind: z.literal('upload.close'), fileId }),
  z.object({ v, kind: z.literal('upload.abort'), fileId, reason }),
  z.object({ v, kind: z.literal('fetch.open'), requestId, ...step }),
  z.object({ v, kind: z.literal('fetch.get'), grant, fileId, index, count: z.number().int().min(1).max(64), encoding }),
  /** A receiver taking a file from its session topic: bytes it holds (the gateway serves none of them, so it reports transfer progress on this). */
  z.object({ v, kind: z.literal('fetch.progress'), grant, fileId, bytes: z.number().int().min(0) }),
  z.object({ v, kind: z.literal('broadcast.start'), requestId, ...step, fileId, groups: z.array(idSchema).min(1).max(1000), ...target }),
  z.object({ v, kind: z.literal('broadcast.status'), requestId, fileId }),
  z.object({ v, kind: z.literal('deliver.done'), deliveryId: z.string().min(1).max(200), sha256 }),
  z.object({ v, kind: z.literal('deliver.failed'), deliveryId: z.string().min(1).max(200), reason }),
  /** A store offered a BROADCAST file with `stream` says it listens there (`upTo` 0): the sender's grant waits for it (§12.6). Other values are ignored. */
  z.object({ v, kind: z.literal('deliver.progress'), deliveryId: z.string().min(1).max(200), fileId, upTo: z.number().int().min(0).max(100_000_000) }),
  z.object({ v, kind: z.literal('remote.listing'), requestId, path: text, entries: z.array(listingEntry).max(MAX_LISTING_ENTRIES), truncated: z.boolean() }),
  z.object({ v, kind: z.literal('remote.error'), requestId, reason }),
]);
export type TransferUp = z.infer<typeof transferUpSchema>;

export const transferDownSchema = z.discriminatedUnion('kind', [
  z.object({
    v,
    kind: z.literal('upload.granted'),
    requestId,
    fileId,
    chunkSize,
    receivedBytes: z.number().int().min(0),
    /** Publish the upload.chunk frames here (the file's session topic, §12.2) instead of transfer-up. */
    chunkTopic: sessionTopic.optional(),
  }),
  z.object({ v, kind: z.literal('upload.wait'), requestId, retryAfterMs, reason }),
  z.object({ v, kind: z.literal('upload.refused'), requestId, reason }),
  z.object({ v, kind: z.literal('upload.ack'), fileId, index }),
  z.object({ v, kind: z.literal('upload.nack'), fileId, index, reason }),
  z.object({ v, kind: z.literal('upload.done'), fileId }),
  z.object({ v, kind: z.literal('upload.failed'), fileId, reason }),
  z.object({ v, kind: z.literal('fetch.offer'), requestId, grant, chunkSize, files: z.array(offeredFile).max(MAX_OFFER_FILES), ...target }),
  z.object({ v, kind: z.literal('fetch.wait'), requestId, retryAfterMs, reason, waitingFor: z.array(z.string().max(200)).max(1000) }),
  z.object({ v, kind: z.literal('fetch.refused'), requestId, reason }),
  z.object({ v, kind: z.literal('fetch.data'), fileId, index, sha256, encoding }),
  /** `reopen`: the grant is unknown here; ask with fetch.open (or wait for the next offer) and go on. */
  z.object({ v, kind: z.literal('fetch.error'), fileId, index: index.optional(), reason, reopen: z.boolean().optional() }),
  z.object({
    v,
    kind: z.literal('deliver.offer'),
    deliveryId: z.string().min(1).max(200),
    grant,
    chunkSize,
    file: offeredFile,
    deadline: z.number().int().positive().optional(),
    ...target,
  }),
  z.object({ v, kind: z.literal('remote.list'), requestId, path: text }),
  z.object({ v, kind: z.literal('remote.fetch'), requestId, path: text }),
  z.object({ v, kind: z.literal('broadcast.accepted'), requestId, fileId, total: z.number().int().min(0) }),
  z.object({ v, kind: z.literal('broadcast.refused'), requestId, reason }),
  z.object({
    v,
    kind: z.literal('broadcast.progress'),
    requestId,
    fileId,
    total: z.number().int().min(0),
    delivered: z.array(z.string().max(200)).max(100_000),
    failed: z.array(z.object({ clientId: z.string().max(200), reason })).max(100_000),
    offline: z.array(z.string().max(200)).max(100_000),
    pending: z.array(z.string().max(200)).max(100_000),
  }),
]);
export type TransferDown = z.infer<typeof transferDownSchema>;

/** Kinds whose frame carries chunk bytes; every other frame has an empty body. */
const WITH_BODY = new Set(['upload.chunk', 'fetch.data']);

export type TransferFrame<T> = {
  header: T;
  body: Buffer;
  /** Set by the gateway's carrier for a chunk that came on a session topic (§12.2), not on transfer-up. */
  fromSession?: boolean;
};
export type TransferParseResult<T> = { ok: true; value: TransferFrame<T> } | { ok: false; error: string };

function parseWith<T extends { kind: string }>(schema: z.ZodType<T>, what: string, payload: Buffer | Uint8Array): TransferParseResult<T> {
  const frame = decodeFrame(payload);
  if (!frame.ok) return frame;
  const version = (frame.header as { v?: unknown }).v;
  if (version !== PROTOCOL_VERSION)
    return { ok: false, error: `unsupported transfer protocol version ${JSON.stringify(version)} (this side speaks v${PROTOCOL_VERSION})` };
  const result = schema.safeParse(frame.header);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.length ? issue.path.join('.') : '(header)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, error: `invalid ${what} header: ${issues}` };
  }
  const header = result.data;
  if (!WITH_BODY.has(header.kind) && frame.body.length > 0) return { ok: false, error: `${header.kind} carries no body (got ${frame.body.length} bytes)` };
  return { ok: true, value: { header, body: frame.body } };
}

/** For the gateway: a frame from an agent's `transfer-up`. Never throws. */
export const parseTransferUp = (payload: Buffer | Uint8Array): TransferParseResult<TransferUp> => parseWith(transferUpSchema, 'transfer-up', payload);
/** For a receiver: a frame from a file's session topic (only upload.chunk is taken there). Never throws. */
export function parseSessionChunk(payload: Buffer | Uint8Array): TransferParseResult<Extract<TransferUp, { kind: 'upload.chunk' }>> {
  const parsed = parseTransferUp(payload);
  if (!parsed.ok) return parsed;
  const { header, body } = parsed.value;
  if (header.kind !== 'upload.chunk') return { ok: false, error: `${header.kind} on a session topic: only upload.chunk belongs there` };
  return { ok: true, value: { header, body } };
}

/** For the agent: a frame from its `transfer-down`. Never throws. */
export const parseTransferDown = (payload: Buffer | Uint8Array): TransferParseResult<TransferDown> => parseWith(transferDownSchema, 'transfer-down', payload);

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type TransferUpDraft = Without<TransferUp, 'v'>;
export type TransferDownDraft = Without<TransferDown, 'v'>;
/** A request before the client numbers it. */
export type TransferRequestDraft = Without<Extract<TransferUp, { requestId: string }>, 'v' | 'requestId'>;

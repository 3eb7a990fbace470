import { STORED_FILE_KINDS, STORED_FILE_STATUSES } from '../../entities';
import { contentPathOf, type StoredFileRow } from '../../files';
import { ORDER_FIELDS } from '../../services/ordering';
import { fileStoreOf } from '../../services/service-context';
import { SettingsService } from '../../services/settings.service';
import { FileContentAnswer } from '../file-content';
import { errorBodySchema } from '../http-errors';
import { pagingQuery, q } from '../params';
import { defineRoute, rawAnswer, type AnyRoute } from '../route';
import { epochMs, epochMsOrNull, SUCCESS, successText, toPage, pageOf } from '../shapes/common';
import { z } from '../zod';

/*
 * The file store (src/files, docs/files.md): routes beside the documented ones, in the document's
 * conventions (pageNo from 1, `{list, total}`, epoch ms). They call the same FileStoreService
 * methods as GraphQL, so both answer the same errors.
 */

const TAG = 'files';

export const fileItem = z.object({
  fileId: z.int(),
  name: z.string(),
  size: z.int().openapi({ description: 'Bytes.' }),
  sha256: z.string().openapi({ description: 'Lower-case hex SHA-256 of the whole file.' }),
  kind: z.enum(STORED_FILE_KINDS).openapi({ description: 'upload: UPLOAD_TO_SERVER; transfer: the spool of a SEND_FILE or BROADCAST; fetch: a remote fetch.' }),
  status: z.enum(STORED_FILE_STATUSES).openapi({ description: 'PARTIAL: bytes arriving; COMPLETE: checked, downloadable; FAILED: given up (see message).' }),
  clientId: z.int().nullable().openapi({ description: 'The sending client; null when none, or its record was deleted.' }),
  mqttClientId: z.string().nullable(),
  reportId: z.string().nullable(),
  sessionId: z.string().nullable(),
  message: z.string().nullable(),
  createdAt: epochMs,
  updatedAt: epochMs,
  completedAt: epochMsOrNull,
  keepUntil: epochMsOrNull.openapi({ description: 'Retention leaves the file alone until then.' }),
  downloadUrl: z.string().openapi({ description: 'Relative to the gateway: GET it for the bytes.', example: '/v1/files/7/content' }),
});

export function toItem(file: StoredFileRow): z.input<typeof fileItem> {
  return {
    fileId: file.id,
    name: file.name,
    size: file.size,
    sha256: file.sha256,
    kind: file.kind,
    status: file.status,
    clientId: file.client?.id ?? null,
    mqttClientId: file.mqttClientId,
    reportId: file.reportId,
    sessionId: file.sessionId,
    message: file.message,
    createdAt: file.createdAt.getTime(),
    updatedAt: file.updatedAt.getTime(),
    completedAt: file.completedAt?.getTime() ?? null,
    keepUntil: file.keepUntil?.getTime() ?? null,
    downloadUrl: contentPathOf(file.id),
  };
}

const fileSettings = z.object({
  maxAgeDays: z.int().openapi({ description: 'COMPLETE files older than this are removed; 0: no bound.' }),
  maxTotalBytes: z.int().openapi({ description: 'COMPLETE files together stay under this, oldest removed first; a larger file is refused; 0: no bound.' }),
  partialGraceHours: z.int().openapi({ description: 'PARTIAL and FAILED files untouched this long are removed.' }),
});

// Ranges are the service's to check (settings.service.ts), so both doors refuse with one message.
const anInteger = (description: string) =>
  z
    .int({ error: () => 'expected an integer' })
    .optional()
    .openapi({ description });

const fileSettingsBody = z.object({
  maxAgeDays: anInteger('Days, from 0 (no bound).'),
  maxTotalBytes: anInteger('Bytes, from 0 (no bound).'),
  partialGraceHours: anInteger('Hours, from 1.'),
});

const fileId = z.object({ fileId: q.id() });

export const fileRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    permission: 'read',
    path: '/files',
    summary: 'Stored files',
    tag: TAG,
    description: 'Newest first unless orderBy says otherwise; every filter given must hold.',
    query: z.object({
      ...pagingQuery,
      clientId: q.id().optional(),
      mqttClientId: q.str().optional(),
      reportId: q.str().optional(),
      sessionId: q.str().optional(),
      name: q.str().optional().openapi({ description: 'Name equals.' }),
      nameContains: q.str().optional().openapi({ description: 'Name contains, case-insensitive.' }),
      kind: q.enum(STORED_FILE_KINDS).optional(),
      status: q.enum(STORED_FILE_STATUSES).optional(),
      createdAtGte: q.epochMs().optional(),
      createdAtLte: q.epochMs().optional(),
      orderBy: q.enum(ORDER_FIELDS.file).optional().openapi({ description: 'Default id (with order desc: newest first).' }),
      order: q
        .enum(['asc', 'desc'] as const)
        .optional()
        .openapi({ description: 'Default asc when orderBy is given.' }),
    }),
    response: pageOf(fileItem),
    handler: async (ctx, { query }) => {
      const page = await fileStoreOf(ctx).list(
        {
          clientId: query.clientId,
          mqttClientId: query.mqttClientId,
          reportId: query.reportId,
          sessionId: query.sessionId,
          name: query.name,
          nameContains: query.nameContains,
          kinds: query.kind ? [query.kind] : undefined,
          statuses: query.status ? [query.status] : undefined,
          createdAt: { gte: query.createdAtGte, lte: query.createdAtLte },
        },
        query,
        query.orderBy ? { field: query.orderBy, direction: query.order } : undefined,
      );
      return toPage(page, toItem);
    },
  }),
  defineRoute({
    method: 'get',
    permission: 'read',
    path: '/files/usage',
    summary: 'File store usage',
    tag: TAG,
    response: z.object({
      completeFiles: z.int(),
      completeBytes: z.int(),
      partialFiles: z.int(),
      partialBytes: z.int().openapi({ description: 'Declared sizes of the files still arriving.' }),
      failedFiles: z.int(),
    }),
    handler: (ctx) => fileStoreOf(ctx).usage(),
  }),
  defineRoute({
    method: 'get',
    permission: 'read',
    path: '/files/settings',
    summary: 'File store retention settings',
    tag: TAG,
    response: fileSettings,
    handler: (ctx) => new SettingsService(ctx).get('files'),
  }),
  defineRoute({
    method: 'post',
    permission: 'settings.write',
    path: '/files/settings',
    summary: 'Change the file store retention settings',
    tag: TAG,
    description:
      'A partial update, as the other settings routes; retention applies the new bounds at its next pass (every 10 minutes, and after each completed file).',
    body: fileSettingsBody,
    response: fileSettings,
    handler: async (ctx, { body }) => (await new SettingsService(ctx).update('files', body)).value,
  }),
  defineRoute({
    method: 'get',
    permission: 'read',
    path: '/files/:fileId',
    summary: 'One stored file',
    tag: TAG,
    params: fileId,
    response: fileItem,
    handler: async (ctx, { params }) => toItem(await fileStoreOf(ctx).get(params.fileId)),
  }),
  defineRoute({
    method: 'delete',
    permission: 'files.write',
    path: '/files/:fileId',
    summary: 'Delete a stored file',
    tag: TAG,
    description: 'Removes the record, then the bytes; a download in progress reads on to its end.',
    params: fileId,
    response: successText,
    handler: async (ctx, { params }) => {
      await fileStoreOf(ctx).delete(params.fileId);
      return SUCCESS;
    },
  }),
  defineRoute({
    method: 'get',
    permission: 'read',
    path: '/files/:fileId/content',
    summary: 'Download a stored file',
    tag: TAG,
    description: [
      'The bytes of a COMPLETE file (409 while PARTIAL or FAILED), streamed. `ETag` is the quoted hex SHA-256, `Repr-Digest` (RFC 9530) and `Digest` carry it in base64.',
      'HEAD answers the headers alone. If-None-Match / If-Modified-Since answer 304.',
      `Range (bytes only): one range answers 206 with Content-Range; several answer multipart/byteranges (overlapping ones merged, at most 16);`,
      'ranges that all start past the end answer 416 with `Content-Range: bytes */size`; a Range of bad syntax or another unit, or with a stale If-Range, is ignored (200).',
    ].join(' '),
    params: fileId,
    response: rawAnswer,
    raw: {
      200: {
        description: 'The whole file.',
        contentType: 'application/octet-stream',
        headers: {
          ETag: 'The quoted hex SHA-256.',
          'Repr-Digest': 'sha-256=:<base64>: (RFC 9530).',
          Digest: 'sha-256=<base64> (RFC 3230).',
          'Content-Disposition': 'attachment; filename=<the file name>.',
          'Accept-Ranges': 'bytes',
        },
      },
      206: {
        description: 'The range asked for (Content-Range), or several as multipart/byteranges.',
        contentType: 'application/octet-stream',
        headers: { 'Content-Range': 'bytes start-end/size', ETag: 'The quoted hex SHA-256.', 'Repr-Digest': "The whole file's digest." },
      },
      304: { description: 'If-None-Match or If-Modified-Since matched.' },
      409: { description: 'The file is PARTIAL or FAILED.', json: errorBodySchema },
      416: {
        description: 'No range starts within the file, or more than 16 ranges.',
        headers: { 'Content-Range': 'bytes */size' },
        json: errorBodySchema,
      },
    },
    handler: async (ctx, { params }) => {
      const files = fileStoreOf(ctx);
      return new FileContentAnswer(files, await files.get(params.fileId), files.logger);
    },
  }),
];

import { remoteFoldersOf } from '../../services/service-context';
import { q } from '../params';
import { defineRoute, type AnyRoute } from '../route';
import { epochMs } from '../shapes/common';
import { z } from '../zod';
import { fileItem, toItem } from './files.routes';

/*
 * Remote folders (the original's `dir` and `download`): an ONLINE agent's folder listed, one of
 * its files fetched into the file store, without a job. Beside the documented routes, like /v1/files.
 */

const TAG = 'files';
const clientId = z.object({ clientId: q.id() });

const listing = z.object({
  clientId: z.int(),
  path: z.string().openapi({ description: "The folder as the agent resolved it (absolute, inside the agent's roots)." }),
  entries: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['file', 'folder', 'other']),
      size: z.int().openapi({ description: 'Bytes (files; 0 otherwise).' }),
      modifiedAt: epochMs,
    }),
  ),
  truncated: z.boolean().openapi({ description: 'The folder holds more than the 1000 entries listed.' }),
});

export const remoteFolderRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    permission: 'read',
    path: '/clients/:clientId/folder',
    summary: "List a folder of an ONLINE client's machine",
    tag: TAG,
    description: "Within the agent's roots; an empty path is its first root. 409 when the client is offline, 503 when it does not answer within 10 s.",
    params: clientId,
    query: z.object({ path: q.str().optional().openapi({ description: "A folder, relative to the agent's first root or absolute inside a root." }) }),
    response: listing,
    handler: (ctx, { params, query }) => remoteFoldersOf(ctx).list(params.clientId, query.path ?? ''),
  }),
  defineRoute({
    method: 'post',
    permission: 'files.write',
    path: '/clients/:clientId/folder/fetch',
    summary: "Fetch a file of an ONLINE client's machine into the file store",
    tag: TAG,
    description: 'Answers when the file is in the store (kind `fetch`, COMPLETE, SHA-256 checked); download it from `downloadUrl`.',
    params: clientId,
    body: z.object({ path: z.string().min(1).openapi({ description: "A file inside the agent's roots." }) }),
    response: fileItem,
    handler: async (ctx, { params, body }) => toItem(await remoteFoldersOf(ctx).fetch(params.clientId, body.path)),
  }),
];

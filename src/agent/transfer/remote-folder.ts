import fs from 'node:fs/promises';
import path from 'node:path';
import { MAX_LISTING_ENTRIES, type RemoteFolderEntry, type TransferDown, type TransferFrame } from '../../protocol';
import type { UnaskedWorkOptions } from './transfer-client';
import { uploadFile } from './upload';

/** A fetch gives up waiting for a grant after this long (it runs outside any run, so no deadline applies). */
const FETCH_WAIT_MS = 10 * 60_000;

/**
 * Operators' requests about this agent's folders, within its roots only: `remote.list` answers
 * a listing (at most MAX_LISTING_ENTRIES entries, `truncated` beyond), `remote.fetch` uploads one
 * file into the gateway's store (purpose FETCH). Failures answer `remote.error` with the reason.
 */
export function createRemoteFolder({ client, paths, clock, logger, signal }: UnaskedWorkOptions) {
  const fail = (requestId: string, error: unknown) => client.send({ kind: 'remote.error', requestId, reason: (error as Error)?.message ?? String(error) });

  async function list(requestId: string, raw: string): Promise<void> {
    const folder = await paths.resolve(raw || '.', 'path');
    const dirents = await fs.readdir(folder, { withFileTypes: true });
    dirents.sort((a, b) => a.name.localeCompare(b.name));
    const entries: RemoteFolderEntry[] = [];
    for (const d of dirents.slice(0, MAX_LISTING_ENTRIES)) {
      const stat = await fs.lstat(path.join(folder, d.name)).catch(() => null);
      entries.push({
        name: d.name,
        type: d.isDirectory() ? 'folder' : d.isFile() ? 'file' : 'other',
        size: stat?.isFile() ? stat.size : 0,
        modifiedAt: Math.round(stat?.mtimeMs ?? 0),
      });
    }
    client.send({ kind: 'remote.listing', requestId, path: folder, entries, truncated: dirents.length > MAX_LISTING_ENTRIES });
  }

  async function fetchOne(requestId: string, raw: string): Promise<void> {
    const file = await paths.resolve(raw, 'path');
    if (!(await fs.stat(file)).isFile()) throw new Error(`${file} is not a file`);
    const done = await uploadFile({
      client,
      clock,
      signal,
      filePath: file,
      name: path.basename(file),
      purpose: 'FETCH',
      fetchId: requestId,
      deadline: clock.now().getTime() + FETCH_WAIT_MS,
      message: (text) => logger.info({ requestId }, `remote fetch: ${text}`),
    });
    logger.info({ requestId, fileId: done.fileId, path: file }, 'remote fetch uploaded');
  }

  return (frame: TransferFrame<TransferDown>) => {
    const h = frame.header;
    if (h.kind === 'remote.list') void list(h.requestId, h.path).catch((error: unknown) => fail(h.requestId, error));
    else if (h.kind === 'remote.fetch') void fetchOne(h.requestId, h.path).catch((error: unknown) => fail(h.requestId, error));
  };
}

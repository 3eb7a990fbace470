import fs from 'node:fs/promises';
import path from 'node:path';
import type { OfferedFile, OverwriteMode } from '../../protocol';
import { downloadFile, sidecarOf } from '../transfer/download';
import { endsWithSeparator, keepsExisting, statOrNull } from './overwrite';
import { failed, type StepContext, type StepOutcome, type StepTransfer } from './step-executor';

export interface ReceiveTarget {
  /** The step's targetFilePath as written (a trailing separator means a folder). */
  raw: string;
  overWrite: OverwriteMode;
  createFilePath: boolean;
  compress: boolean;
}

/**
 * A failure of the disk under the part file (full, read-only, gone) as the step's outcome, naming
 * the file: a write error alone says neither which file nor what to do. Other errors: undefined.
 */
function diskFailure(error: unknown, part: string): StepOutcome | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof syscall !== 'string') return undefined;
  const hint = code === 'ENOSPC' || code === 'EDQUOT' ? ': the disk is full; free space there, then run the step again' : '';
  return failed(`cannot write ${part}: ${error.message}${hint}`);
}

/**
 * Writes offered files at the target: one file to a file path, several (or a folder target) into
 * the folder under their own names. Each goes through `{target}.sdes-part` and a rename, so a
 * reader never sees half a file; `overWrite` is decided before any byte moves.
 */
export async function receiveInto(
  files: readonly OfferedFile[],
  offer: { chunkSize: number; grant: string; deliveryId?: string },
  target: ReceiveTarget,
  context: Pick<StepContext, 'paths' | 'message' | 'signal' | 'clock' | 'recordWrite'>,
  transfer: Pick<StepTransfer, 'client'>,
): Promise<StepOutcome | { written: number; unchanged: number }> {
  const resolved = await context.paths.resolve(target.raw, 'targetFilePath');
  const intoFolder = files.length > 1 || endsWithSeparator(target.raw) || Boolean((await statOrNull(resolved))?.isDirectory());
  const folder = intoFolder ? resolved : path.dirname(resolved);
  if (!(await statOrNull(folder))?.isDirectory()) {
    if (!target.createFilePath) return failed(`target folder ${folder} does not exist (set createFilePath to create it)`, false);
    await fs.mkdir(folder, { recursive: true });
    context.message(`created folder ${folder}`);
  }
  let written = 0;
  let unchanged = 0;
  for (const file of files) {
    context.signal.throwIfAborted();
    const name = path.basename(file.name);
    if (!name || name === '.' || name === '..') return failed(`the sender's file name ${JSON.stringify(file.name)} cannot be written`, false);
    const destination = intoFolder ? path.join(folder, name) : resolved;
    if (await keepsExisting(destination, target.overWrite, file.sha256, context, 'receive')) {
      unchanged += 1;
      continue;
    }
    const part = `${destination}.sdes-part`;
    const got = await downloadFile({
      client: transfer.client,
      clock: context.clock,
      signal: context.signal,
      file,
      chunkSize: offer.chunkSize,
      grant: offer.grant,
      partPath: part,
      compress: target.compress,
      // A BROADCAST store says it listens on the sender's session topic: the sender's grant waits for it (§12.6).
      listening: offer.deliveryId
        ? () => transfer.client.send({ kind: 'deliver.progress', deliveryId: offer.deliveryId!, fileId: file.fileId, upTo: 0 })
        : undefined,
      message: (text) => context.message(text),
    }).catch((error: unknown) => diskFailure(error, part) ?? Promise.reject(error));
    if ('status' in got) return got;
    await fs.rename(part, destination);
    await fs.rm(sidecarOf(part), { force: true });
    // Its bytes were checked against the offer's SHA-256 as they landed: validation need not read it again while it is unchanged.
    context.recordWrite(destination, file.sha256, await fs.stat(destination));
    context.message(
      `${destination}: ${file.size} bytes received (SHA-256 ${file.sha256}${got.resumedFrom ? `, resumed after ${got.resumedFrom} chunks` : ''}${file.stream ? `, ${got.fromStream} of ${got.chunksReceived} chunks from the sender's stream` : ''})`,
    );
    written += 1;
  }
  return { written, unchanged };
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { OverwriteMode } from '../../protocol';
import { sha256File } from '../file-hash';
import { hasWildcard, isHidden } from '../path-guard';
import { endsWithSeparator, keepsExisting, statOrNull } from './overwrite';
import { failed, succeeded, type StepContext, type StepExecutor } from './step-executor';

interface CopyTally {
  written: number;
  unchanged: number;
  skipped: string[];
}

/** Writes through a temporary file in the target folder and renames, so a reader never sees half a file. */
async function copyOne(source: string, target: string, mode: OverwriteMode, context: StepContext, tally: CopyTally) {
  const sourceHash = await sha256File(source);
  if (await keepsExisting(target, mode, sourceHash, context, `copy ${source} to`)) {
    tally.unchanged += 1;
    return;
  }
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.sdes-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.copyFile(source, temporary);
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  tally.written += 1;
  context.recordWrite(target, sourceHash);
}

async function copyTree(source: string, target: string, mode: OverwriteMode, ignoreHidden: boolean, context: StepContext, tally: CopyTally) {
  await fs.mkdir(target, { recursive: true });
  for (const entry of await fs.readdir(source, { withFileTypes: true })) {
    context.signal.throwIfAborted();
    if (ignoreHidden && isHidden(entry.name)) continue;
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    // Links inside a tree are skipped: following them could copy files from outside the roots.
    if (entry.isSymbolicLink()) tally.skipped.push(from);
    else if (entry.isDirectory()) await copyTree(from, to, mode, ignoreHidden, context, tally);
    else if (entry.isFile()) await copyOne(from, to, mode, context, tally);
    else tally.skipped.push(from);
  }
}

/**
 * COPY_FILE: copies `filePath` (a file, a folder, or a `*` wildcard) to `targetFilePath`.
 * The target is a folder when the source has a wildcard, the target ends with a separator, or
 * it is an existing folder; otherwise it is the new file's path. `createFilePath` creates
 * missing folders; `overWrite` defaults to OVERWRITE.
 */
export const copyFile: StepExecutor = async (step, context) => {
  const { paths } = context;
  const ignoreHidden = step.ignoreHiddenFile ?? false;
  const mode = step.overWrite ?? 'OVERWRITE';
  const sources = await paths.expand(step.filePath, { ignoreHiddenFile: ignoreHidden });
  const target = await paths.resolve(step.targetFilePath, 'targetFilePath');
  if (sources.length === 0) return failed(`no file matches ${step.filePath}`);

  const targetStat = await statOrNull(target);
  const intoFolder = hasWildcard(step.filePath ?? '') || endsWithSeparator(step.targetFilePath ?? '') || Boolean(targetStat?.isDirectory());
  const folder = intoFolder ? target : path.dirname(target);
  if (!(await statOrNull(folder))?.isDirectory()) {
    if (!step.createFilePath) return failed(`target folder ${folder} does not exist (set createFilePath to create it)`);
    await fs.mkdir(folder, { recursive: true });
    context.message(`created folder ${folder}`);
  }

  const tally: CopyTally = { written: 0, unchanged: 0, skipped: [] };
  for (const source of sources) {
    context.signal.throwIfAborted();
    const destination = intoFolder ? path.join(target, path.basename(source)) : target;
    if ((await fs.stat(source)).isDirectory()) {
      const relative = path.relative(source, destination);
      if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
        return failed(`cannot copy folder ${source} into itself (${destination})`, false);
      }
      await copyTree(source, destination, mode, ignoreHidden, context, tally);
    } else await copyOne(source, destination, mode, context, tally);
  }
  if (tally.skipped.length > 0) context.message(`skipped links and special files: ${tally.skipped.slice(0, 20).join(', ')}`);
  const unchanged = tally.unchanged ? `, ${tally.unchanged} left unchanged` : '';
  return succeeded(`copied ${tally.written} file${tally.written === 1 ? '' : 's'} to ${target}${unchanged}`);
};

import fs from 'node:fs/promises';
import path from 'node:path';
import { PathRefusedError, isHidden } from '../path-guard';
import { succeeded, type StepExecutor } from './step-executor';

/** Deletes a folder's content except dot-files; returns true when the folder itself could go. */
async function deleteKeepingHidden(folder: string): Promise<boolean> {
  let keptAny = false;
  for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
    const child = path.join(folder, entry.name);
    if (isHidden(entry.name)) keptAny = true;
    else if (entry.isDirectory() && !entry.isSymbolicLink()) keptAny = !(await deleteKeepingHidden(child)) || keptAny;
    else await fs.rm(child, { force: true });
  }
  if (keptAny) return false;
  await fs.rmdir(folder);
  return true;
}

/**
 * DELETE_FILE: deletes `filePath` (file, folder or `*` wildcard). With `ignoreHiddenFile`,
 * dot-files are left (and the folders holding them). A path that is already absent is a
 * success: the step's goal, "the file is gone", holds. A root folder itself is never deleted.
 */
export const deleteFile: StepExecutor = async (step, context) => {
  const { paths } = context;
  const ignoreHidden = step.ignoreHiddenFile ?? false;
  const matches = await paths.expand(step.filePath, { ignoreHiddenFile: ignoreHidden });
  if (matches.length === 0) return succeeded(`nothing to delete: no file matches ${step.filePath}`);
  for (const match of matches) {
    if (paths.roots.includes(match)) throw new PathRefusedError(`${match} is one of the agent's root folders and is never deleted`);
  }
  let deleted = 0;
  for (const match of matches) {
    context.signal.throwIfAborted();
    const stat = await fs.lstat(match);
    if (stat.isDirectory() && ignoreHidden) {
      if (await deleteKeepingHidden(match)) context.recordDelete(match);
      else context.message(`${match}: hidden files kept (ignoreHiddenFile)`);
    } else {
      await fs.rm(match, { recursive: true, force: true });
      context.recordDelete(match);
    }
    deleted += 1;
  }
  return succeeded(`deleted ${deleted === 1 ? matches[0] : `${deleted} matches of ${step.filePath}`}`);
};

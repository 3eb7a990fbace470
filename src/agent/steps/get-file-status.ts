import fs from 'node:fs/promises';
import { failed, succeeded, type StepExecutor } from './step-executor';

const MAX_LISTED = 20;

/**
 * GET_FILE_STATUS: records whether `filePath` exists, its size and modification time.
 * Succeeds when at least one file matches, which is what makes it an IF condition.
 */
export const getFileStatus: StepExecutor = async (step, { paths, message }) => {
  const matches = await paths.expand(step.filePath);
  if (matches.length === 0) return failed(`${step.filePath} does not exist`);
  for (const match of matches.slice(0, MAX_LISTED)) {
    const stat = await fs.lstat(match);
    const kind = stat.isDirectory() ? 'folder' : stat.isSymbolicLink() ? 'link' : 'file';
    message(`${match}: exists, ${kind}, ${stat.size} bytes, modified ${stat.mtime.toISOString()}`);
  }
  if (matches.length > MAX_LISTED) message(`... and ${matches.length - MAX_LISTED} more`);
  return succeeded(matches.length === 1 ? `${matches[0]} exists` : `${matches.length} files match ${step.filePath}`);
};

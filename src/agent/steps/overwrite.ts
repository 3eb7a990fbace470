import fs from 'node:fs/promises';
import type { OverwriteMode } from '../../protocol';
import { sha256File } from '../file-hash';
import type { StepContext } from './step-executor';

export async function statOrNull(filePath: string) {
  try {
    return await fs.stat(filePath);
  } catch {
    return null;
  }
}

export const endsWithSeparator = (raw: string) => /[\\/]$/.test(raw);

/**
 * The `overWrite` rule for a file about to be written at `target` with content `sha256`: true when
 * the existing file stays as it is (NOT_OVERWRITE; COMPARE_OVERWRITE with the same content, which
 * then counts as written for the validation). Throws when the target is a folder.
 */
export async function keepsExisting(
  target: string,
  mode: OverwriteMode,
  sha256: string,
  context: Pick<StepContext, 'message' | 'recordWrite'>,
  what = 'write',
): Promise<boolean> {
  const existing = await statOrNull(target);
  if (existing?.isDirectory()) throw new Error(`cannot ${what} ${target}: it is a folder`);
  if (existing && mode === 'NOT_OVERWRITE') {
    context.message(`${target} exists, left unchanged (NOT_OVERWRITE)`);
    return true;
  }
  if (existing && mode === 'COMPARE_OVERWRITE' && (await sha256File(target)) === sha256) {
    context.recordWrite(target, sha256);
    context.message(`${target} already has the same content, left unchanged (COMPARE_OVERWRITE)`);
    return true;
  }
  return false;
}

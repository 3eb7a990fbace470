import fs from 'node:fs/promises';
import path from 'node:path';

/** A path the step may not touch; the step fails at once, without retries. */
export class PathRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathRefusedError';
  }
}

export interface PathGuard {
  readonly roots: readonly string[];
  /** Absolute, normalised path inside a root. Throws PathRefusedError. */
  resolve(rawPath: string | null | undefined, field?: string): Promise<string>;
  /**
   * Files matching a source path whose last segment may hold `*` / `?` wildcards
   * (`pos/*.csv`). Without a wildcard: the path itself if it exists. Throws PathRefusedError.
   */
  expand(rawPath: string | null | undefined, options?: { ignoreHiddenFile?: boolean; field?: string }): Promise<string[]>;
}

export const hasWildcard = (rawPath: string): boolean => /[*?]/.test(path.basename(rawPath));
export const isHidden = (name: string): boolean => path.basename(name).startsWith('.');

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Resolves symlinks of the longest existing prefix, so a link inside a root cannot lead outside it. */
async function realPathOfExistingPrefix(candidate: string): Promise<string> {
  let existing = candidate;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await fs.realpath(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return candidate;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, process.platform === 'win32' ? 'i' : '');
}

/**
 * Confines every step path to the agent's roots. Relative paths resolve against the first
 * root so one script serves agents whose folders differ (DOMAIN.md, Step types).
 */
export async function createPathGuard(roots: readonly string[]): Promise<PathGuard> {
  if (roots.length === 0) throw new Error('the agent needs at least one root folder');
  const absoluteRoots = roots.map((root) => path.resolve(root));
  const realRoots = await Promise.all(absoluteRoots.map((root) => realPathOfExistingPrefix(root)));

  const resolve = async (rawPath: string | null | undefined, field = 'filePath'): Promise<string> => {
    if (!rawPath || rawPath.trim() === '') throw new PathRefusedError(`${field} is empty`);
    if (rawPath.includes('\u0000')) throw new PathRefusedError(`${field} contains a NUL character`);
    const absolute = path.resolve(absoluteRoots[0], rawPath);
    const real = await realPathOfExistingPrefix(absolute);
    const allowed = absoluteRoots.some((root) => isInside(root, absolute)) && realRoots.some((root) => isInside(root, real));
    if (!allowed) {
      throw new PathRefusedError(`${field} "${rawPath}" resolves to ${absolute}, outside the folders this agent may use (${absoluteRoots.join(', ')})`);
    }
    return absolute;
  };

  return {
    roots: absoluteRoots,
    resolve,
    async expand(rawPath, { ignoreHiddenFile = false, field = 'filePath' } = {}) {
      const resolved = await resolve(rawPath, field);
      if (!hasWildcard(resolved)) {
        try {
          await fs.lstat(resolved);
          return [resolved];
        } catch {
          return [];
        }
      }
      const folder = path.dirname(resolved);
      if (hasWildcard(folder)) throw new PathRefusedError(`${field} "${rawPath}": only the last segment may hold a wildcard`);
      const matcher = wildcardToRegExp(path.basename(resolved));
      let names: string[];
      try {
        names = await fs.readdir(folder);
      } catch {
        return [];
      }
      return names
        .filter((name) => matcher.test(name) && !(ignoreHiddenFile && isHidden(name)))
        .sort()
        .map((name) => path.join(folder, name));
    },
  };
}

import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import { sha256File } from './file-hash';

/** What identifies a file's content on disk without reading it: any write, rename onto it or truncation changes one of these. */
export type FileIdentity = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

const identityOf = ({ dev, ino, size, mtimeMs, ctimeMs }: FileIdentity): FileIdentity => ({ dev, ino, size, mtimeMs, ctimeMs });
const sameIdentity = (a: FileIdentity, b: FileIdentity) =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

/**
 * What a task's steps wrote and removed, checked after the task (DOMAIN.md: targets
 * written, checksums equal) unless the task sets `disableValidation`. The last step to touch
 * a path wins: a copy then a delete of the same file expects it gone.
 */
export interface TaskValidation {
  /**
   * `hashedAs`: the file's stat when its bytes were hashed as they were written (a received file,
   * checked against the sender's SHA-256): while it is unchanged, the check does not read it again.
   */
  recordWrite(filePath: string, sha256: string, hashedAs?: FileIdentity): void;
  recordDelete(filePath: string): void;
  /** Problems found, empty when every target is as the steps left it. */
  check(): Promise<string[]>;
}

export function createTaskValidation(): TaskValidation {
  const expected = new Map<string, { sha256: string; hashedAs?: FileIdentity } | 'absent'>();
  return {
    recordWrite: (filePath, sha256, hashedAs) => void expected.set(filePath, { sha256, hashedAs: hashedAs && identityOf(hashedAs) }),
    recordDelete: (filePath) => void expected.set(filePath, 'absent'),
    async check() {
      const problems: string[] = [];
      for (const [filePath, expectation] of expected) {
        const stat = await fs.lstat(filePath).catch(() => null);
        if (expectation === 'absent') {
          if (stat) problems.push(`${filePath} should be deleted but exists`);
        } else if (!stat) {
          problems.push(`${filePath} should exist but is missing`);
        } else if (!(expectation.hashedAs && sameIdentity(expectation.hashedAs, stat))) {
          const actual = await sha256File(filePath);
          if (actual !== expectation.sha256) problems.push(`${filePath} has SHA-256 ${actual}, expected ${expectation.sha256}`);
        }
      }
      return problems;
    },
  };
}

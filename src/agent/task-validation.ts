import fs from 'node:fs/promises';
import { sha256File } from './file-hash';

/**
 * What a task's steps wrote and removed, checked after the task (DOMAIN.md: targets
 * written, checksums equal) unless the task sets `disableValidation`. The last step to touch
 * a path wins: a copy then a delete of the same file expects it gone.
 */
export interface TaskValidation {
  recordWrite(filePath: string, sha256: string): void;
  recordDelete(filePath: string): void;
  /** Problems found, empty when every target is as the steps left it. */
  check(): Promise<string[]>;
}

export function createTaskValidation(): TaskValidation {
  const expected = new Map<string, { sha256: string } | 'absent'>();
  return {
    recordWrite: (filePath, sha256) => void expected.set(filePath, { sha256 }),
    recordDelete: (filePath) => void expected.set(filePath, 'absent'),
    async check() {
      const problems: string[] = [];
      for (const [filePath, expectation] of expected) {
        const exists = await fs.lstat(filePath).then(
          () => true,
          () => false,
        );
        if (expectation === 'absent') {
          if (exists) problems.push(`${filePath} should be deleted but exists`);
        } else if (!exists) {
          problems.push(`${filePath} should exist but is missing`);
        } else {
          const actual = await sha256File(filePath);
          if (actual !== expectation.sha256) problems.push(`${filePath} has SHA-256 ${actual}, expected ${expectation.sha256}`);
        }
      }
      return problems;
    },
  };
}

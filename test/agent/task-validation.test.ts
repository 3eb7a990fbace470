import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTaskValidation } from '../../src/agent/task-validation';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('TaskValidation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-validation-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('does not read again a file hashed as it was written while its stat is unchanged', async () => {
    const file = path.join(dir, 'a.bin');
    await fs.writeFile(file, 'received');
    const validation = createTaskValidation();
    // Recorded with a SHA-256 that is not the content's: only a read would notice.
    validation.recordWrite(file, sha('something else'), await fs.stat(file));
    expect(await validation.check()).toEqual([]);
  });

  it('hashes a file hashed as it was written once something changed it since', async () => {
    const file = path.join(dir, 'a.bin');
    await fs.writeFile(file, 'received');
    const validation = createTaskValidation();
    validation.recordWrite(file, sha('received'), await fs.stat(file));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await fs.writeFile(file, 'rewritten by a program');
    expect(await validation.check()).toEqual([`${file} has SHA-256 ${sha('rewritten by a program')}, expected ${sha('received')}`]);
  });

  it('hashes a file recorded without its stat', async () => {
    const file = path.join(dir, 'a.bin');
    await fs.writeFile(file, 'copied');
    const validation = createTaskValidation();
    validation.recordWrite(file, sha('copied'));
    expect(await validation.check()).toEqual([]);
    validation.recordWrite(file, sha('other'));
    expect(await validation.check()).toHaveLength(1);
  });
});

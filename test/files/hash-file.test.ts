import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hashFile } from '../../src/files/hash-file';

describe('hashFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-hash-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('answers the SHA-256 and length of a file, read on another thread', async () => {
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => (i * 31) % 251));
    const file = path.join(dir, 'a.bin');
    await fs.writeFile(file, bytes);
    expect(await hashFile(file)).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
  });

  it('rejects with the errno code of a file it cannot read', async () => {
    await expect(hashFile(path.join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

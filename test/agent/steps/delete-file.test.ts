import fs from 'node:fs/promises';
import path from 'node:path';
import { exists, removeTempDirs, runScript, step, tempDir, write } from '../support/run-script';

describe('DELETE_FILE', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterAll(removeTempDirs);

  it('deletes a file', async () => {
    await write(path.join(root, 'old.log'));
    const remove = step('DELETE_FILE', { filePath: 'old.log' });
    const run = await runScript([[remove]], { roots: [root] });
    expect(run.step(remove.id).status).toBe('SUCCESS');
    expect(run.result.status).toBe('SUCCESS');
    expect(await exists(path.join(root, 'old.log'))).toBe(false);
  });

  it('deletes a folder with its content', async () => {
    await write(path.join(root, 'cache/a/b.txt'));
    const remove = step('DELETE_FILE', { filePath: 'cache' });
    await runScript([[remove]], { roots: [root] });
    expect(await exists(path.join(root, 'cache'))).toBe(false);
  });

  it('deletes only the matches of a trailing * wildcard', async () => {
    await write(path.join(root, 'out/1.tmp'));
    await write(path.join(root, 'out/2.tmp'));
    await write(path.join(root, 'out/keep.csv'));
    const remove = step('DELETE_FILE', { filePath: 'out/*.tmp' });
    await runScript([[remove]], { roots: [root] });
    expect(await fs.readdir(path.join(root, 'out'))).toEqual(['keep.csv']);
  });

  it('leaves dot-files (and the folders holding them) with ignoreHiddenFile', async () => {
    await write(path.join(root, 'dir/a.txt'));
    await write(path.join(root, 'dir/.keep'));
    await write(path.join(root, 'dir/sub/b.txt'));
    const remove = step('DELETE_FILE', { filePath: 'dir', ignoreHiddenFile: true });
    const run = await runScript([[remove]], { roots: [root] });
    expect(run.step(remove.id).status).toBe('SUCCESS');
    expect(run.result.status).toBe('SUCCESS');
    expect(await fs.readdir(path.join(root, 'dir'))).toEqual(['.keep']);
  });

  it('succeeds when there is nothing to delete', async () => {
    const remove = step('DELETE_FILE', { filePath: 'never-existed.txt' });
    const run = await runScript([[remove]], { roots: [root] });
    expect(run.step(remove.id)).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expect(run.step(remove.id).messages.join('\n')).toMatch(/nothing to delete/);
  });

  it('never deletes a root folder itself', async () => {
    await write(path.join(root, 'a.txt'));
    const remove = step('DELETE_FILE', { filePath: root });
    const run = await runScript([[remove]], { roots: [root] });
    expect(run.step(remove.id)).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(await exists(path.join(root, 'a.txt'))).toBe(true);
  });

  it('refuses a path outside the roots', async () => {
    const outside = await tempDir();
    await write(path.join(outside, 'precious.txt'));
    const remove = step('DELETE_FILE', { filePath: path.join(outside, 'precious.txt') });
    const run = await runScript([[remove]], { roots: [root] });
    expect(run.step(remove.id).status).toBe('FAILED');
    expect(run.step(remove.id).messages.join('\n')).toMatch(/outside the folders this agent may use/);
    expect(await exists(path.join(outside, 'precious.txt'))).toBe(true);
  });
});

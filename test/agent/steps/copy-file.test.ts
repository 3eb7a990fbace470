import fs from 'node:fs/promises';
import path from 'node:path';
import { exists, read, removeTempDirs, runScript, step, tempDir, write } from '../support/run-script';

describe('COPY_FILE', () => {
  let root: string;
  let otherRoot: string;
  let outside: string;
  beforeEach(async () => {
    root = await tempDir();
    otherRoot = await tempDir();
    outside = await tempDir();
  });
  afterAll(removeTempDirs);

  it('copies a file to a new path and the task validates it', async () => {
    await write(path.join(root, 'in/prices.csv'), 'a;b');
    const copy = step('COPY_FILE', { filePath: 'in/prices.csv', targetFilePath: path.join(otherRoot, 'prices.csv') });
    const run = await runScript([[copy]], { roots: [root, otherRoot] });
    expect(run.result.status).toBe('SUCCESS');
    expect(run.step(copy.id)).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expect(await read(path.join(otherRoot, 'prices.csv'))).toBe('a;b');
  });

  it('resolves relative paths against the first root', async () => {
    await write(path.join(root, 'a.txt'), 'x');
    const copy = step('COPY_FILE', { filePath: 'a.txt', targetFilePath: 'b.txt' });
    await runScript([[copy]], { roots: [root, otherRoot] });
    expect(await read(path.join(root, 'b.txt'))).toBe('x');
  });

  it('fails when the target folder is missing and createFilePath is not set', async () => {
    await write(path.join(root, 'a.txt'));
    const copy = step('COPY_FILE', { filePath: 'a.txt', targetFilePath: 'new/dir/a.txt', retryTimes: 0 });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id).status).toBe('FAILED');
    expect(run.step(copy.id).messages.join('\n')).toMatch(/does not exist \(set createFilePath/);
  });

  it('creates missing folders with createFilePath', async () => {
    await write(path.join(root, 'a.txt'), 'x');
    const copy = step('COPY_FILE', { filePath: 'a.txt', targetFilePath: 'new/dir/a.txt', createFilePath: true });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id).status).toBe('SUCCESS');
    expect(await read(path.join(root, 'new/dir/a.txt'))).toBe('x');
  });

  it('copies every match of a trailing * wildcard into the target folder, leaving hidden files with ignoreHiddenFile', async () => {
    await write(path.join(root, 'pos/1.csv'), '1');
    await write(path.join(root, 'pos/2.csv'), '2');
    await write(path.join(root, 'pos/.3.csv'), 'hidden');
    await write(path.join(root, 'pos/readme.txt'), 'no');
    const copy = step('COPY_FILE', { filePath: 'pos/*.csv', targetFilePath: 'out', createFilePath: true, ignoreHiddenFile: true });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id).status).toBe('SUCCESS');
    expect((await fs.readdir(path.join(root, 'out'))).sort()).toEqual(['1.csv', '2.csv']);
  });

  it('copies a folder with its subfolders', async () => {
    await write(path.join(root, 'tree/a/b.txt'), 'b');
    await write(path.join(root, 'tree/c.txt'), 'c');
    const copy = step('COPY_FILE', { filePath: 'tree', targetFilePath: 'copy' });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id).status).toBe('SUCCESS');
    expect(await read(path.join(root, 'copy/a/b.txt'))).toBe('b');
    expect(await read(path.join(root, 'copy/c.txt'))).toBe('c');
  });

  it.each([
    ['OVERWRITE', 'old', 'new'],
    ['NOT_OVERWRITE', 'old', 'old'],
    ['COMPARE_OVERWRITE', 'old', 'new'],
  ] as const)('with overWrite %s, a target holding "%s" ends up holding "%s"', async (overWrite, before, after) => {
    await write(path.join(root, 'src.txt'), 'new');
    await write(path.join(root, 'dst.txt'), before);
    const copy = step('COPY_FILE', { filePath: 'src.txt', targetFilePath: 'dst.txt', overWrite });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id).status).toBe('SUCCESS');
    expect(run.result.status).toBe('SUCCESS');
    expect(await read(path.join(root, 'dst.txt'))).toBe(after);
  });

  it('with COMPARE_OVERWRITE, leaves a target with the same content untouched', async () => {
    await write(path.join(root, 'src.txt'), 'same');
    await write(path.join(root, 'dst.txt'), 'same');
    const old = new Date('2020-01-01T00:00:00Z');
    await fs.utimes(path.join(root, 'dst.txt'), old, old);
    const copy = step('COPY_FILE', { filePath: 'src.txt', targetFilePath: 'dst.txt', overWrite: 'COMPARE_OVERWRITE' });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id).messages.join('\n')).toMatch(/same content, left unchanged/);
    expect((await fs.stat(path.join(root, 'dst.txt'))).mtime.getTime()).toBe(old.getTime());
  });

  it('retries a missing source retryTimes times, then fails', async () => {
    const copy = step('COPY_FILE', { filePath: 'missing.txt', targetFilePath: 'x.txt', retryTimes: 2, retryInterval: 0.01 });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id)).toMatchObject({ status: 'FAILED', attempts: 3 });
    expect(run.step(copy.id).messages.filter((m) => m.startsWith('attempt'))).toHaveLength(2);
  });

  it('succeeds on a retry when the source appears meanwhile', async () => {
    const copy = step('COPY_FILE', { filePath: 'late.txt', targetFilePath: 'x.txt', retryTimes: 20, retryInterval: 0.02 });
    setTimeout(() => void write(path.join(root, 'late.txt'), 'late'), 60);
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id).status).toBe('SUCCESS');
    expect(run.step(copy.id).attempts).toBeGreaterThan(1);
    expect(await read(path.join(root, 'x.txt'))).toBe('late');
  });

  it.each([
    ['a source', (o: string) => ({ filePath: path.join(o, 'secret.txt'), targetFilePath: 'x.txt' })],
    ['a target', (o: string) => ({ filePath: 'a.txt', targetFilePath: path.join(o, 'x.txt') })],
    ['a ../ escape', () => ({ filePath: '../../etc/passwd', targetFilePath: 'x.txt' })],
  ])('refuses %s outside the roots at once, without retries', async (_what, fields) => {
    await write(path.join(root, 'a.txt'));
    await write(path.join(outside, 'secret.txt'), 'secret');
    const copy = step('COPY_FILE', { ...fields(outside), retryTimes: 4 });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id)).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(run.step(copy.id).messages.join('\n')).toMatch(/outside the folders this agent may use/);
    expect(await exists(path.join(root, 'x.txt'))).toBe(false);
  });

  it('refuses a symbolic link inside a root that leads outside it', async () => {
    await write(path.join(outside, 'secret.txt'), 'secret');
    await fs.symlink(outside, path.join(root, 'link'));
    const copy = step('COPY_FILE', { filePath: 'link/secret.txt', targetFilePath: 'x.txt' });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.step(copy.id)).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(run.step(copy.id).messages.join('\n')).toMatch(/outside the folders/);
    expect(await exists(path.join(root, 'x.txt'))).toBe(false);
  });
});

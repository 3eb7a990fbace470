import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/serve-process';

describe('sdes serve and its file store folder', () => {
  it('ends the start with one line naming SDES_FILES_DIR when the folder cannot be made', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-files-dir-'));
    try {
      // A regular file where a folder must go: mkdir fails whoever runs the test (root too).
      await fs.writeFile(path.join(dir, 'not-a-folder'), '');
      const { code, output } = await runCli(['serve'], {
        SDES_DATA_DIR: dir,
        SDES_FILES_DIR: path.join(dir, 'not-a-folder', 'files'),
        PORT: '0',
        MQTT_PORT: '0',
      });
      expect(code).not.toBe(0);
      expect(output).toMatch(/cannot write the file store folder .*not-a-folder\/files .*set SDES_FILES_DIR to a writable folder/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

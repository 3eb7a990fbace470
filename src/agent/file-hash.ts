import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex SHA-256 of a file's content, streamed so large files do not fill memory. */
export function sha256File(filePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    // Reads of 1 MiB: a 64 KiB default costs sixteen trips through the thread pool per MiB.
    createReadStream(filePath, { highWaterMark: 1024 * 1024 })
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

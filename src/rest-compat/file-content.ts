import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { ByteRange, FileStoreService, StoredFileRow } from '../files';
import type { Logger } from '../runtime/logger';
import { decideRange, ifRangeHolds } from './http-range';
import { RawAnswer } from './route';

/** The strong ETag of a stored file: its SHA-256 (a COMPLETE file's bytes never change). */
export const etagOf = (file: Pick<StoredFileRow, 'sha256'>) => `"${file.sha256}"`;

/** `sha-256=:<base64>:`, the Repr-Digest of RFC 9530 (the whole file's digest, on a 206 too). */
export const reprDigestOf = (file: Pick<StoredFileRow, 'sha256'>) => `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`;

/** The file's own name without folders (a fetched file's name may be a remote path). */
function downloadName(name: string): string {
  return name.split(/[\\/]/).filter(Boolean).pop() ?? 'file';
}

/** A client that goes away mid-download is no error of the gateway's. */
function isClientGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The answer of `GET /v1/files/{fileId}/content` (and HEAD): the bytes streamed from the file
 * store with the SHA-256 in `ETag`, `Repr-Digest` and `Digest`; conditional requests
 * (If-None-Match, If-Modified-Since: 304); Range requests (206, multipart/byteranges for several
 * ranges, 416) honouring If-Range. Nothing is held in memory: the response is written as the
 * store's stream is read, at the pace the client takes it.
 */
export class FileContentAnswer extends RawAnswer {
  constructor(
    private readonly files: FileStoreService,
    private readonly file: StoredFileRow,
    private readonly logger: Logger,
  ) {
    super();
  }

  async send(req: Request, res: Response): Promise<void> {
    const { file } = this;
    // Before any header: a file not COMPLETE or whose bytes are missing is a JSON error.
    const whole = await this.files.openContent(file.id);
    const etag = etagOf(file);
    const lastModified = (file.completedAt ?? file.createdAt).toUTCString();
    res.set({
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Last-Modified': lastModified,
      'Repr-Digest': reprDigestOf(file),
      Digest: `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`,
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    res.attachment(downloadName(file.name));
    if (req.fresh) {
      whole.stream.destroy();
      res.status(304).end();
      return;
    }
    // Range applies to GET only (RFC 9110 14.2); HEAD describes the whole file.
    const decision =
      req.method === 'GET' && ifRangeHolds(req.get('If-Range'), etag, lastModified) ? decideRange(req.get('Range'), file.size) : ({ kind: 'full' } as const);
    if (decision.kind === 'unsatisfiable') {
      whole.stream.destroy();
      res.removeHeader('Content-Disposition');
      res.set('Content-Range', `bytes */${file.size}`).status(416).json({ code: 'INVALID_INPUT', message: decision.message, field: 'Range' });
      return;
    }
    if (decision.kind === 'full') {
      res.status(200).type('application/octet-stream').set('Content-Length', String(file.size));
      if (req.method === 'HEAD') {
        whole.stream.destroy();
        res.end();
        return;
      }
      return this.stream(res, () => pipeline(whole.stream, res));
    }
    whole.stream.destroy();
    if (decision.ranges.length === 1) {
      const [range] = decision.ranges;
      const { stream } = await this.files.openContent(file.id, range);
      res
        .status(206)
        .type('application/octet-stream')
        .set({ 'Content-Range': `bytes ${range.start}-${range.end}/${file.size}`, 'Content-Length': String(range.end - range.start + 1) });
      return this.stream(res, () => pipeline(stream, res));
    }
    return this.sendParts(res, decision.ranges);
  }

  /** Several ranges: one multipart/byteranges body, its length known before the first byte. */
  private async sendParts(res: Response, ranges: ByteRange[]): Promise<void> {
    const { file } = this;
    const boundary = `sdes-${randomBytes(12).toString('hex')}`;
    const heads = ranges.map(
      (r, i) => `${i ? '\r\n' : ''}--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${r.start}-${r.end}/${file.size}\r\n\r\n`,
    );
    const tail = `\r\n--${boundary}--\r\n`;
    const length = heads.reduce((sum, h, i) => sum + Buffer.byteLength(h) + ranges[i].end - ranges[i].start + 1, Buffer.byteLength(tail));
    res.status(206).set({ 'Content-Type': `multipart/byteranges; boundary=${boundary}`, 'Content-Length': String(length) });
    res.removeHeader('Content-Disposition');
    return this.stream(res, async () => {
      for (const [i, range] of ranges.entries()) {
        await write(res, heads[i]);
        const { stream } = await this.files.openContent(file.id, range);
        await pipeline(stream, res, { end: false });
      }
      res.end(tail);
    });
  }

  private async stream(res: Response, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      // Headers are out: the only honest answer left is a cut connection, never a short "complete" file.
      if (!res.destroyed) res.destroy();
      if (isClientGone(err)) this.logger.debug({ fileId: this.file.id }, 'download ended by the client');
      else this.logger.error({ err, fileId: this.file.id }, 'download failed while streaming');
    }
  }
}

/** Writes a string, waiting for the socket to drain when it asks to. */
function write(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = out.write(text, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else out.once('drain', () => resolve());
  });
}

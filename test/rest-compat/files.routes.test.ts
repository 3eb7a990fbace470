import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Client } from '../../src/entities';
import type { FileStoreService, StoredFileRow } from '../../src/files';
import { bytesOf, putFile, sha256 } from '../files/support';
import { call, startTestGateway, type TestGateway } from './support/gateway';

let t: TestGateway;
let files: FileStoreService;
let bytes: Buffer;
let file: StoredFileRow;

beforeAll(async () => {
  t = await startTestGateway();
  files = t.gateway.files;
  const em = t.gateway.db.orm.em.fork();
  em.create(Client, { mqttClientId: 'store-042', role: 'STORE' });
  await em.flush();
  bytes = bytesOf(100);
  file = await putFile(files, bytes, { name: 'D:/pos/eod 2026-11-29 ü.csv', mqttClientId: 'store-042', reportId: 'rep-1' });
});

afterAll(async () => {
  await t?.stop();
});

const content = (id: number, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${t.base}/files/${id}/content`, { method, headers: { ...t.api.headers, ...headers } });
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('GET /v1/files', () => {
  it('lists files as {list, total}, with the download URL', async () => {
    const { status, body } = await call<{ list: Record<string, unknown>[]; total: number }>(t.api, 'GET', '/files?mqttClientId=store-042');
    expect(status).toBe(200);
    expect(body.total).toBe(1);
    expect(body.list[0]).toMatchObject({
      fileId: file.id,
      name: 'D:/pos/eod 2026-11-29 ü.csv',
      size: 100,
      sha256: sha256(bytes),
      kind: 'upload',
      status: 'COMPLETE',
      mqttClientId: 'store-042',
      reportId: 'rep-1',
      clientId: expect.any(Number),
      completedAt: expect.any(Number),
      downloadUrl: `/v1/files/${file.id}/content`,
    });
  });

  it('filters by kind, status and name, and pages', async () => {
    await putFile(files, bytesOf(10), { name: 'spool.bin', kind: 'transfer' });
    await putFile(files, bytesOf(10), { name: 'half.bin' }, { complete: false });
    const kinds = await call<{ list: { name: string }[] }>(t.api, 'GET', '/files?kind=transfer');
    expect(kinds.body.list.map((f) => f.name)).toEqual(['spool.bin']);
    const partial = await call<{ list: { name: string }[] }>(t.api, 'GET', '/files?status=PARTIAL&nameContains=HALF');
    expect(partial.body.list.map((f) => f.name)).toEqual(['half.bin']);
    const page = await call<{ list: unknown[]; total: number }>(t.api, 'GET', '/files?pageNo=2&pageSize=1&orderBy=size&order=desc');
    expect(page.body.list).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['kind=zip', 'kind', /kind: expected one of upload, transfer, fetch/],
    ['status=DONE', 'status', /status: expected one of PARTIAL, COMPLETE, FAILED/],
    ['orderBy=sha256', 'orderBy', /orderBy: expected one of id, name, size/],
    ['clientId=abc', 'clientId', /clientId: expected a positive integer id/],
    ['pageSize=0', 'pageSize', /pageSize: expected an integer from 1 to 500/],
  ])('refuses ?%s naming the parameter', async (qs, field, message) => {
    const { status, body } = await call<{ field: string; message: string }>(t.api, 'GET', `/files?${qs}`);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(body.message).toMatch(message);
  });
});

describe('GET and DELETE /v1/files/{fileId}', () => {
  it('answers one file', async () => {
    const { status, body } = await call(t.api, 'GET', `/files/${file.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ fileId: file.id, sha256: sha256(bytes) });
  });

  it.each([
    ['an unknown id', '424242', 404, 'NOT_FOUND', 'file 424242 does not exist'],
    ['a text id', 'abc', 400, 'INVALID_INPUT', 'fileId: expected a positive integer id in canonical form (digits, no sign, no leading zero), got "abc"'],
    ['zero', '0', 400, 'INVALID_INPUT', 'fileId: expected a positive integer id in canonical form (digits, no sign, no leading zero), got "0"'],
  ])('refuses %s, the same through /content', async (_label, id, status, code, message) => {
    for (const url of [`/files/${id}`, `/files/${id}/content`]) {
      const answer = await call<{ code: string; message: string; field: string }>(t.api, 'GET', url);
      expect([url, answer.status, answer.body]).toEqual([url, status, { code, message, field: 'fileId' }]);
    }
  });

  it('deletes a file: record and bytes gone, then 404', async () => {
    const doomed = await putFile(files, bytesOf(10), { name: 'doomed.csv' });
    const blob = path.join(files.storage.location, doomed.storagePath);
    expect(await call(t.api, 'DELETE', `/files/${doomed.id}`)).toMatchObject({ status: 200, body: 'success' });
    await expect(fs.stat(blob)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await call(t.api, 'GET', `/files/${doomed.id}`)).status).toBe(404);
    expect((await call(t.api, 'DELETE', `/files/${doomed.id}`)).status).toBe(404);
  });
});

describe('GET /v1/files/{fileId}/content', () => {
  it('streams the whole file with its SHA-256 in ETag, Repr-Digest and Digest', async () => {
    const res = await content(file.id);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(sha256(body)).toBe(sha256(bytes));
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-length': '100',
      'accept-ranges': 'bytes',
      etag: `"${sha256(bytes)}"`,
      'repr-digest': `sha-256=:${b64(sha256(bytes))}:`,
      digest: `sha-256=${b64(sha256(bytes))}`,
      'last-modified': file.completedAt!.toUTCString(),
    });
  });

  it('names the download after the file, without its folders, UTF-8 safe', async () => {
    const disposition = (await content(file.id)).headers.get('content-disposition');
    expect(disposition).toBe(`attachment; filename="eod 2026-11-29 ?.csv"; filename*=UTF-8''eod%202026-11-29%20%C3%BC.csv`);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await content(file.id, { Range: 'bytes=0-9' }, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('100');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it.each([
    ['bytes=0-9', 0, 9],
    ['bytes=-10', 90, 99],
    ['bytes=95-', 95, 99],
    ['bytes=95-5000', 95, 99],
    ['bytes=0-0', 0, 0],
  ])('answers Range %s with 206 and its Content-Range', async (range, start, end) => {
    const res = await content(file.id, { Range: range });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/100`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    // The digest is of the whole file, on a part too (RFC 9530 Repr-Digest).
    expect(res.headers.get('repr-digest')).toBe(`sha-256=:${b64(sha256(bytes))}:`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes.subarray(start, end + 1));
  });

  it('answers several ranges as multipart/byteranges', async () => {
    const res = await content(file.id, { Range: 'bytes=0-4, 50-59,-5' });
    expect(res.status).toBe(206);
    const type = res.headers.get('content-type')!;
    const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(type)![1];
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(Number(res.headers.get('content-length')));
    const parts = parseMultipart(body, boundary);
    expect(parts.map((p) => p.range)).toEqual(['bytes 0-4/100', 'bytes 50-59/100', 'bytes 95-99/100']);
    expect(parts.map((p) => p.body)).toEqual([bytes.subarray(0, 5), bytes.subarray(50, 60), bytes.subarray(95)]);
  });

  it.each([['bytes=100-'], ['bytes=500-600'], ['bytes=-0']])('answers %s with 416, Content-Range bytes */size and a JSON error', async (range) => {
    const res = await content(file.id, { Range: range });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */100');
    expect(await res.json()).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'Range',
      message: expect.stringMatching(/^Range: expected byte ranges that start within 0-99/),
    });
  });

  it('answers 416 for more than 16 ranges', async () => {
    const range = `bytes=${Array.from({ length: 17 }, (_, i) => `${i * 5}-${i * 5 + 1}`).join(',')}`;
    expect((await content(file.id, { Range: range })).status).toBe(416);
  });

  it.each([['items=0-9'], ['bytes=9-0'], ['bytes=x-y']])('ignores Range %s and answers the whole file', async (range) => {
    const res = await content(file.id, { Range: range });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(100);
  });

  it('honours If-Range: the same ETag gets the range, another gets the whole file', async () => {
    const etag = `"${sha256(bytes)}"`;
    expect((await content(file.id, { Range: 'bytes=0-9', 'If-Range': etag })).status).toBe(206);
    expect((await content(file.id, { Range: 'bytes=0-9', 'If-Range': '"stale"' })).status).toBe(200);
    expect((await content(file.id, { Range: 'bytes=0-9', 'If-Range': file.completedAt!.toUTCString() })).status).toBe(206);
  });

  // With node:http: fetch adds `Cache-Control: no-cache` to a conditional request (the Fetch
  // standard), which rightly makes the server answer in full.
  it('answers 304 to If-None-Match with its ETag, and to If-Modified-Since', async () => {
    expect(await statusOf(file.id, { 'If-None-Match': `"${sha256(bytes)}"` })).toBe(304);
    expect(await statusOf(file.id, { 'If-None-Match': '"other"' })).toBe(200);
    expect(await statusOf(file.id, { 'If-Modified-Since': file.completedAt!.toUTCString() })).toBe(304);
  });

  it('answers an empty file with 200 and no bytes, even with a Range', async () => {
    const empty = await putFile(files, Buffer.alloc(0), { name: 'empty.txt' });
    const res = await content(empty.id, { Range: 'bytes=0-' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('0');
    expect(res.headers.get('etag')).toBe(`"${createHash('sha256').digest('hex')}"`);
  });

  it('answers 409 for a file whose bytes are still arriving, in JSON, with no download headers', async () => {
    const partial = await putFile(files, bytesOf(10), { name: 'arriving.bin' }, { complete: false });
    const res = await content(partial.id);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(await res.json()).toMatchObject({ code: 'CONFLICT', message: `fileId: file ${partial.id} is PARTIAL: its bytes are still arriving` });
  });

  it('answers 503 naming the folder when the bytes are missing from this gateway', async () => {
    const lost = await putFile(files, bytesOf(10), { name: 'lost.bin' });
    await fs.unlink(path.join(files.storage.location, lost.storagePath));
    const res = await content(lost.id);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toMatch(/SDES_FILES_DIR/);
  });

  it('keeps serving after a client goes away mid-download', async () => {
    const big = await putFile(files, bytesOf(8 * 1024 * 1024), { name: 'big.bin' }, { chunkSize: 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${t.base}/files/${big.id}/content`, { headers: t.api.headers }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    });
    const res = await content(file.id);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(100);
  });
});

describe('/v1/files/settings and /v1/files/usage', () => {
  it('reads and changes the retention settings, refusing a bad value by name', async () => {
    expect(await call(t.api, 'GET', '/files/settings')).toMatchObject({
      status: 200,
      body: { maxAgeDays: 30, maxTotalBytes: 10737418240, partialGraceHours: 24 },
    });
    expect(await call(t.api, 'POST', '/files/settings', { maxAgeDays: 7 })).toMatchObject({ status: 200, body: { maxAgeDays: 7, partialGraceHours: 24 } });
    const bad = await call<{ field: string; message: string }>(t.api, 'POST', '/files/settings', { partialGraceHours: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('partialGraceHours');
    expect(bad.body.message).toBe('partialGraceHours: expected an integer number of hours from 1, got 0');
  });

  it('counts what the store holds', async () => {
    const { status, body } = await call<Record<string, number>>(t.api, 'GET', '/files/usage');
    expect(status).toBe(200);
    expect(body.completeFiles).toBeGreaterThanOrEqual(1);
    expect(body.completeBytes).toBeGreaterThanOrEqual(100);
  });
});

describe('the OpenAPI document', () => {
  it('describes the file routes, with the download answers', async () => {
    const { body } = await call<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>(t.api, 'GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/files', '/v1/files/{fileId}', '/v1/files/{fileId}/content']));
    expect(Object.keys(body.paths['/v1/files/{fileId}/content'].get.responses)).toEqual(expect.arrayContaining(['200', '206', '304', '404', '409', '416']));
  });
});

/** The status of a GET sent with node:http (nothing added to the headers given but the credential). */
function statusOf(id: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${t.base}/files/${id}/content`, { headers: { ...t.api.headers, ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
      .on('error', reject);
  });
}

/** The parts of a multipart/byteranges body: each part's Content-Range and bytes. */
function parseMultipart(body: Buffer, boundary: string): { range: string; body: Buffer }[] {
  const parts: { range: string; body: Buffer }[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const headStart = at + delimiter.length;
    if (body.subarray(headStart, headStart + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', headStart);
    const head = body.subarray(headStart, headEnd).toString();
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd);
    parts.push({ range: /Content-Range: (.+)/i.exec(head)![1].trim(), body: body.subarray(headEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}

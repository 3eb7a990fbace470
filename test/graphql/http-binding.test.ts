import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { useGraphqlServer } from './support';

/*
 * The JSON body of a GraphQL POST is read by plainJsonBody when it is the plain form clients send,
 * and by express.json otherwise (src/graphql/http-binding.ts): both answer the same, over real HTTP.
 */

describe('GraphQL over HTTP: the request body', () => {
  const h = useGraphqlServer();

  /** A raw POST to /graphql (node:http, so that headers such as Content-Length are exactly these). */
  function post(body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; json: any; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const req = http.request(h.url, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined, headers: res.headers });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const query = JSON.stringify({ query: '{ jobs { totalCount } }' });
  const sized = (body: string | Buffer) => ({ 'content-length': String(Buffer.byteLength(body)) });

  it.each([
    ['application/json', {}],
    ['application/json; charset=utf-8', {}],
    ['application/json; charset=UTF-8', {}],
    ['application/json', { 'transfer-encoding': 'chunked' }],
  ])('answers a query sent as %s %j', async (type, extra) => {
    const headers: Record<string, string> = { 'content-type': type, ...extra };
    if (!extra['transfer-encoding' as never]) Object.assign(headers, sized(query));
    const answer = await post(query, headers);
    expect([answer.status, answer.json]).toEqual([200, { data: { jobs: { totalCount: 0 } } }]);
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(answer.json))));
    expect(answer.headers.etag).toBeUndefined();
  });

  it('answers a gzip-compressed body (read by express.json)', async () => {
    const body = gzipSync(query);
    const answer = await post(body, { 'content-type': 'application/json', 'content-encoding': 'gzip', ...sized(body) });
    expect([answer.status, answer.json]).toEqual([200, { data: { jobs: { totalCount: 0 } } }]);
  });

  it.each([
    ['malformed JSON', '{"query": ', 400, 'BAD_REQUEST', /Bad request: /],
    ['a JSON string, not an object', '"{ jobs { totalCount } }"', 400, 'BAD_REQUEST', /must be an object or an array/],
  ])('answers %s with a JSON 400', async (_name, body, status, code, message) => {
    const answer = await post(body, { 'content-type': 'application/json', ...sized(body) });
    expect(answer.status).toBe(status);
    expect(answer.json.errors[0]).toEqual({ message: expect.stringMatching(message), extensions: { code } });
  });

  it('answers a body over 1 MiB with 413 before reading it', async () => {
    const body = JSON.stringify({ query: '{ jobs { totalCount } }', variables: { pad: 'x'.repeat(1024 * 1024) } });
    const answer = await post(body, { 'content-type': 'application/json', ...sized(body) });
    expect(answer.status).toBe(413);
  });

  it('answers another charset with 415, as express.json does', async () => {
    const answer = await post(query, { 'content-type': 'application/json; charset=latin1', ...sized(query) });
    expect(answer.status).toBe(415);
  });

  it('answers an empty JSON body as Apollo does (no query)', async () => {
    const answer = await post('', { 'content-type': 'application/json', 'content-length': '0' });
    expect(answer.status).toBe(400);
  });
});

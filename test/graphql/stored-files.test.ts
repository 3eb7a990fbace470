import { Client } from '../../src/entities';
import type { FileStoreService, StoredFileRow } from '../../src/files';
import { bytesOf, putFile, sha256 } from '../files/support';
import { call, startTestGateway, type TestGateway } from '../rest-compat/support/gateway';
import type { GqlResult } from './support';

/*
 * The stored-file part of the graph, on the real gateway (so the REST door of the same files is
 * at hand to compare): the same FileStoreService methods answer both.
 */

let t: TestGateway;
let files: FileStoreService;
let bytes: Buffer;
let upload: StoredFileRow;

async function gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> {
  const res = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.api.headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

async function ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await gql<T>(query, variables);
  if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

beforeAll(async () => {
  t = await startTestGateway();
  files = t.gateway.files;
  const em = t.gateway.db.orm.em.fork();
  em.create(Client, { mqttClientId: 'store-007', role: 'STORE' });
  await em.flush();
  bytes = bytesOf(5000);
  upload = await putFile(files, bytes, { name: 'eod.csv', mqttClientId: 'store-007', reportId: 'rep-9' });
  await putFile(files, bytesOf(300), { name: 'spool.bin', kind: 'transfer' });
  await putFile(files, bytesOf(10), { name: 'half.bin' }, { complete: false });
});

afterAll(async () => {
  await t?.stop();
});

const FILE_FIELDS = 'id name size sha256 kind status mqttClientId reportId downloadUrl completedAt client { mqttClientId role }';

describe('storedFiles', () => {
  it('filters by client and answers the file with its client and download URL', async () => {
    const data = await ok(`query($f: StoredFileFilterInput) { storedFiles(filter: $f) { totalCount nodes { ${FILE_FIELDS} } } }`, {
      f: { mqttClientId: 'store-007' },
    });
    expect(data.storedFiles.totalCount).toBe(1);
    expect(data.storedFiles.nodes[0]).toEqual({
      id: upload.id,
      name: 'eod.csv',
      size: 5000,
      sha256: sha256(bytes),
      kind: 'UPLOAD',
      status: 'COMPLETE',
      mqttClientId: 'store-007',
      reportId: 'rep-9',
      downloadUrl: `/v1/files/${upload.id}/content`,
      completedAt: upload.completedAt!.toISOString(),
      client: { mqttClientId: 'store-007', role: 'STORE' },
    });
  });

  it('filters by kinds and statuses', async () => {
    const q = `query($f: StoredFileFilterInput) { storedFiles(filter: $f) { nodes { name } } }`;
    expect((await ok(q, { f: { kinds: ['TRANSFER'] } })).storedFiles.nodes).toEqual([{ name: 'spool.bin' }]);
    expect((await ok(q, { f: { statuses: ['PARTIAL'] } })).storedFiles.nodes).toEqual([{ name: 'half.bin' }]);
  });

  it("BAD_USER_INPUT naming filter.kinds for more kinds than a filter may list (the file store's filter schema)", async () => {
    const q = `query($f: StoredFileFilterInput) { storedFiles(filter: $f) { nodes { name } } }`;
    const result = await gql(q, { f: { kinds: Array.from({ length: 11 }, () => 'UPLOAD') } });
    expect(result.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/at most 10 kinds/),
      extensions: { code: 'BAD_USER_INPUT', field: 'filter.kinds' },
    });
    expect((await ok(q, { f: { kinds: Array.from({ length: 10 }, () => 'UPLOAD') } })).storedFiles.nodes).toEqual([{ name: 'half.bin' }, { name: 'eod.csv' }]);
  });

  it('pages newest first by default, and sorts when asked', async () => {
    const byDefault = await ok(`{ storedFiles(pageSize: 2) { totalCount pageInfo { totalPages hasNextPage } nodes { name } } }`);
    expect(byDefault.storedFiles).toEqual({
      totalCount: 3,
      pageInfo: { totalPages: 2, hasNextPage: true },
      nodes: [{ name: 'half.bin' }, { name: 'spool.bin' }],
    });
    const bySize = await ok(`{ storedFiles(orderBy: { field: SIZE, direction: DESC }) { nodes { name } } }`);
    expect(bySize.storedFiles.nodes.map((n: { name: string }) => n.name)).toEqual(['eod.csv', 'spool.bin', 'half.bin']);
  });

  it('gives a download URL the REST door serves with the same bytes', async () => {
    const data = await ok(`query($id: Int!) { storedFile(id: $id) { downloadUrl sha256 } }`, { id: upload.id });
    const res = await fetch(`${t.gateway.url}${data.storedFile.downloadUrl}`, { headers: t.api.headers });
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(data.storedFile.sha256);
  });
});

describe('errors, the same through both doors', () => {
  it('NOT_FOUND for an unknown id, with the REST message', async () => {
    const result = await gql(`{ storedFile(id: 424242) { id } }`);
    const rest = await call<{ message: string }>(t.api, 'GET', '/files/424242');
    expect(result.errors?.[0]).toMatchObject({ message: rest.body.message, extensions: { code: 'NOT_FOUND', field: 'fileId' } });
  });

  it('BAD_USER_INPUT for a bad retention setting, with the REST message', async () => {
    const result = await gql(`mutation { updateFileStoreSettings(input: { partialGraceHours: 0 }) { partialGraceHours } }`);
    const rest = await call<{ message: string }>(t.api, 'POST', '/files/settings', { partialGraceHours: 0 });
    expect(rest.status).toBe(400);
    expect(result.errors?.[0]).toMatchObject({ message: rest.body.message, extensions: { code: 'BAD_USER_INPUT', field: 'partialGraceHours' } });
  });

  it('BAD_USER_INPUT for a bad page size', async () => {
    const result = await gql(`{ storedFiles(pageSize: 0) { totalCount } }`);
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'pageSize' } });
  });
});

describe('deleteStoredFile', () => {
  it('deletes the file for both doors and answers its id; a second delete is NOT_FOUND', async () => {
    const doomed = await putFile(files, bytesOf(10), { name: 'doomed.bin' });
    expect(await ok(`mutation($id: Int!) { deleteStoredFile(id: $id) }`, { id: doomed.id })).toEqual({ deleteStoredFile: doomed.id });
    expect((await call(t.api, 'GET', `/files/${doomed.id}`)).status).toBe(404);
    const again = await gql(`mutation($id: Int!) { deleteStoredFile(id: $id) }`, { id: doomed.id });
    expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('settings.files and fileStoreUsage', () => {
  it('reads and changes the retention settings', async () => {
    expect(await ok(`{ settings { files { maxAgeDays maxTotalBytes partialGraceHours } } }`)).toEqual({
      settings: { files: { maxAgeDays: 30, maxTotalBytes: 10737418240, partialGraceHours: 24 } },
    });
    const changed = await ok(`mutation { updateFileStoreSettings(input: { maxTotalBytes: 5000000000 }) { maxAgeDays maxTotalBytes } }`);
    expect(changed.updateFileStoreSettings).toEqual({ maxAgeDays: 30, maxTotalBytes: 5000000000 });
    expect((await call(t.api, 'GET', '/files/settings')).body).toMatchObject({ maxTotalBytes: 5000000000 });
  });

  it('counts files and bytes as REST does', async () => {
    const data = await ok(`{ fileStoreUsage { completeFiles completeBytes partialFiles partialBytes failedFiles } }`);
    expect(data.fileStoreUsage).toEqual((await call(t.api, 'GET', '/files/usage')).body);
  });
});

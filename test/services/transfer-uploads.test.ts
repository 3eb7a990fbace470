import { createHash } from 'node:crypto';
import { Client } from '../../src/entities';
import type { FileStoreService } from '../../src/files';
import type { TransferDownDraft, TransferUp, TransferUpDraft } from '../../src/protocol';
import { silentLogger } from '../../src/runtime/logger';
import { SettingsService } from '../../src/services/settings.service';
import { TransferService } from '../../src/services/transfer';
import { openStore } from '../files/support';
import { useServiceHarness } from '../support/services';

const h = useServiceHarness();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const CHUNK = 4096;

/**
 * The gateway's upload sessions against a real database and file store: the frames it answers,
 * exactly as the carrier would publish them.
 */
describe('transfer uploads (gateway service)', () => {
  let store: FileStoreService;
  let close: () => Promise<void>;
  let service: TransferService;
  const sent: { clientId: string; header: TransferDownDraft }[] = [];
  const reports: Record<string, string> = {};

  const frame = (header: TransferUpDraft, body: Buffer = Buffer.alloc(0)) => ({ header: { v: 1, ...header } as TransferUp, body });
  const lastTo = (clientId: string) => sent.filter((s) => s.clientId === clientId).at(-1)?.header;

  beforeAll(async () => {
    ({ store, close } = await openStore(h.db.orm, h.clock));
    service = new TransferService({
      orm: h.db.orm,
      files: store,
      clock: h.clock,
      logger: silentLogger(),
      installation: 'inst-test',
      send: (clientId, header) => sent.push({ clientId, header }),
    });
    const em = h.em();
    for (const id of ['up-1', 'up-2']) em.create(Client, { mqttClientId: id, role: 'STORE' });
    await em.flush();
    const [job] = await em.execute<{ id: number }[]>(`insert into job (name, created_at, last_edited_at) values ('uploads', now(), now()) returning id`);
    const [run] = await em.execute<{ id: number }[]>(
      `insert into job_run (job_id, job_name, status, scheduled_at, started_at, deadline_at) values (?, 'uploads', 'RUNNING', now(), now(), now() + interval '1 hour') returning id`,
      [job.id],
    );
    for (const id of ['up-1', 'up-2']) {
      reports[id] = `report-${id}`;
      await em.execute(
        `insert into report (report_id, run_id, client_id, status, created_at) select ?, ?, id, 'RUNNING', now() from client where mqtt_client_id = ?`,
        [reports[id], run.id, id],
      );
    }
  });

  afterAll(async () => {
    await close?.();
  });

  const open = (clientId: string, bytes: Buffer, requestId: string) =>
    service.handle(
      clientId,
      frame({
        kind: 'upload.open',
        requestId,
        reportId: reports[clientId],
        taskId: 1,
        stepId: 2,
        purpose: 'UPLOAD_TO_SERVER',
        name: 'a.bin',
        size: bytes.length,
        sha256: sha(bytes),
        chunkSize: CHUNK,
      }),
    );
  const chunk = async (clientId: string, fileId: number, bytes: Buffer, index: number, damage = false) => {
    const data = bytes.subarray(index * CHUNK, (index + 1) * CHUNK);
    const body = damage ? Buffer.from(data).fill(0xff, 0, 1) : data;
    // Chunks are written behind the frames that follow (§12.3): the ack comes once the write is done.
    await service.handle(clientId, frame({ kind: 'upload.chunk', fileId, index, offset: index * CHUNK, sha256: sha(data) }, body));
    await service.uploads.written(fileId);
  };

  it('tells a session over maxConcurrentSession to wait with a retry time, then grants it once one closes', async () => {
    await new SettingsService(h.ctx()).update('job', { maxConcurrentSession: 1 });
    const a = Buffer.alloc(CHUNK * 2, 1);
    await open('up-1', a, 'r1');
    const granted = lastTo('up-1');
    expect(granted).toMatchObject({ kind: 'upload.granted', requestId: 'r1', receivedBytes: 0, chunkSize: CHUNK });
    await open('up-2', Buffer.alloc(10, 2), 'r2');
    const wait = lastTo('up-2');
    expect(wait).toMatchObject({ kind: 'upload.wait', requestId: 'r2' });
    expect(wait?.kind === 'upload.wait' && wait.retryAfterMs).toBeGreaterThan(0);
    expect(wait?.kind === 'upload.wait' && wait.reason).toMatch(/maxConcurrentSession = 1/);
    const fileId = (granted as { fileId: number }).fileId;
    await chunk('up-1', fileId, a, 0);
    await chunk('up-1', fileId, a, 1);
    await service.handle('up-1', frame({ kind: 'upload.close', fileId }));
    expect(lastTo('up-1')).toEqual({ kind: 'upload.done', fileId });
    await open('up-2', Buffer.alloc(10, 2), 'r3');
    const dataTo = (clientId: string) => sent.filter((x) => x.clientId === clientId && x.header.kind === 'fetch.data' && x.header.fileId === fileId);
    expect(dataTo('up-2')).toHaveLength(0);
    await new SettingsService(h.ctx()).update('job', { maxConcurrentSession: 100 });
  });

  it('nacks a damaged chunk and one out of order, stores the resent ones, and resumes a reopened upload', async () => {
    const bytes = Buffer.from(Array.from({ length: CHUNK * 3 + 100 }, (_, i) => i % 251));
    await open('up-1', bytes, 'r4');
    const { fileId } = lastTo('up-1') as { fileId: number };
    await chunk('up-1', fileId, bytes, 0, true);
    expect(lastTo('up-1')).toMatchObject({ kind: 'upload.nack', fileId, index: 0, reason: expect.stringMatching(/SHA-256/) });
    await chunk('up-1', fileId, bytes, 0);
    expect(lastTo('up-1')).toEqual({ kind: 'upload.ack', fileId, index: 0 });
    await chunk('up-1', fileId, bytes, 2);
    expect(lastTo('up-1')).toMatchObject({ kind: 'upload.nack', index: 1, reason: expect.stringMatching(/before chunk 1/) });
    await chunk('up-1', fileId, bytes, 1);
    // The same file opened again (the agent restarted): it continues after what the store holds.
    await open('up-1', bytes, 'r5');
    expect(lastTo('up-1')).toEqual({
      kind: 'upload.granted',
      requestId: 'r5',
      fileId,
      chunkSize: CHUNK,
      receivedBytes: 2 * CHUNK,
      chunkTopic: `sdes/v1/transfers/up-1/${fileId}`,
    });
    await chunk('up-1', fileId, bytes, 2);
    await chunk('up-1', fileId, bytes, 3);
    await service.handle('up-1', frame({ kind: 'upload.close', fileId }));
    expect(lastTo('up-1')).toEqual({ kind: 'upload.done', fileId });
    expect((await store.get(fileId)).status).toBe('COMPLETE');
  });

  it("answers a chunk of a session it does not hold on transfer-up, but not one on the session topic (another gateway's upload)", async () => {
    const bytes = Buffer.alloc(CHUNK * 2, 7);
    await open('up-1', bytes, 'r-other');
    const { fileId } = lastTo('up-1') as { fileId: number };
    // A second gateway of the installation (or this one restarted) hears the agent's chunks.
    const sentByOther: TransferDownDraft[] = [];
    const other = new TransferService({
      orm: h.db.orm,
      files: store,
      clock: h.clock,
      logger: silentLogger(),
      installation: 'inst-test',
      send: (_clientId, header) => sentByOther.push(header),
    });
    const data = bytes.subarray(0, CHUNK);
    const header = { v: 1, kind: 'upload.chunk', fileId, index: 0, offset: 0, sha256: sha(data) } as TransferUp;
    await other.handle('up-1', { header, body: data, fromSession: true });
    expect(sentByOther).toEqual([]);
    await other.handle('up-1', { header, body: data });
    expect(sentByOther).toEqual([{ kind: 'upload.failed', fileId, reason: expect.stringMatching(/no open upload session/) }]);
    await service.handle('up-1', frame({ kind: 'upload.abort', fileId, reason: 'test over' }));
  });

  it('serves a receiver the chunks of a file still being uploaded the moment they are written (streaming)', async () => {
    const bytes = Buffer.from(Array.from({ length: CHUNK * 3 + 100 }, (_, i) => (i * 7) % 251));
    await open('up-1', bytes, 'r7');
    const { fileId } = lastTo('up-1') as { fileId: number };
    const grant = service.fetches.grant('up-2', [await store.get(fileId)]);
    // The whole file is one fetch chunk (256 KiB): asked for before any byte is in the store.
    await service.handle('up-2', frame({ kind: 'fetch.get', grant, fileId, index: 0, count: 1 }));
    for (const index of [0, 1, 2]) await chunk('up-1', fileId, bytes, index);
    const dataTo = (clientId: string) => sent.filter((x) => x.clientId === clientId && x.header.kind === 'fetch.data' && x.header.fileId === fileId);
    expect(dataTo('up-2')).toHaveLength(0);
    await chunk('up-1', fileId, bytes, 3);
    // Served from the store once written: a read through the thread pool later.
    for (let i = 0; i < 100 && lastTo('up-2')?.kind !== 'fetch.data'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lastTo('up-2')).toEqual({ kind: 'fetch.data', fileId, index: 0, sha256: sha(bytes), encoding: undefined });
    await service.handle('up-1', frame({ kind: 'upload.close', fileId }));
    expect(lastTo('up-1')).toEqual({ kind: 'upload.done', fileId });
  });

  it('answers the parked chunks fetch.error naming the reason when the upload is aborted', async () => {
    const bytes = Buffer.alloc(CHUNK * 2, 9);
    await open('up-1', bytes, 'r8');
    const { fileId } = lastTo('up-1') as { fileId: number };
    const grant = service.fetches.grant('up-2', [await store.get(fileId)]);
    await service.handle('up-2', frame({ kind: 'fetch.get', grant, fileId, index: 0, count: 1 }));
    await chunk('up-1', fileId, bytes, 0);
    await service.handle('up-1', frame({ kind: 'upload.abort', fileId, reason: 'disk gone' }));
    expect(lastTo('up-2')).toMatchObject({
      kind: 'fetch.error',
      fileId,
      index: 0,
      reason: expect.stringMatching(/upload of file \d+ failed: aborted by up-1: disk gone/),
    });
  });

  it('stays silent about reports this installation does not know (another may share the broker)', async () => {
    const before = sent.length;
    await service.handle(
      'up-1',
      frame({
        kind: 'upload.open',
        requestId: 'r6',
        reportId: 'elsewhere',
        taskId: 1,
        stepId: 2,
        purpose: 'SEND_FILE',
        name: 'x',
        size: 1,
        sha256: sha(Buffer.from('x')),
        chunkSize: CHUNK,
      }),
    );
    await service.handle('up-1', frame({ kind: 'fetch.get', grant: 'other-installation:g', fileId: 1, index: 0, count: 1 }));
    expect(sent.length).toBe(before);
    await service.handle('up-1', frame({ kind: 'fetch.get', grant: 'inst-test:unknown', fileId: 1, index: 0, count: 1 }));
    expect(lastTo('up-1')).toMatchObject({ kind: 'fetch.error', reopen: true });
  });
});

import path from 'node:path';
import { runEnded } from '../live/support/records';
import type { AgentProcess } from './support/fleet';
import { startTransferFleet, writeRandomFile } from './support/transfer-fleet';

/**
 * Files moving for real: `sdes agent` processes over the broker (embedded, or MQTT_URL), the
 * gateway's file store on PGlite or DATABASE_URL, downloads through REST.
 */
describe('transfers (end to end)', () => {
  const prefix = `xfer-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  let fleet: Awaited<ReturnType<typeof startTransferFleet>>;
  let s1: AgentProcess;

  beforeAll(async () => {
    fleet = await startTransferFleet(prefix);
    [s1] = await Promise.all([fleet.agent('s1', 'STORE')]);
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('UPLOAD_TO_SERVER puts a file in the store; REST downloads it with the same SHA-256', async () => {
    const sha = await writeRandomFile(path.join(s1.root, 'out/sales.bin'), 3 * 1024 * 1024 + 123);
    const { jobId } = await fleet.createJob([[{ type: 'UPLOAD_TO_SERVER', filePath: 'out/sales.bin' }]], [s1]);
    const runId = await fleet.runJob(jobId);
    const rec = await runEnded(fleet.t, runId, 30_000);
    expect(rec.messages.map((m) => m.message).join('\n')).toMatch(/in the file store as file \d+/);
    expect(rec.run.status).toBe('SUCCESS');
    const files = await fleet.t.sql<{
      id: number;
      name: string;
      sha256: string;
      status: string;
      kind: string;
      mqtt_client_id: string;
      report_id: string;
      size: string;
    }>('select * from stored_file where mqtt_client_id = ?', [s1.clientId]);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ name: 'sales.bin', sha256: sha, status: 'COMPLETE', kind: 'upload', report_id: rec.reports[0].report_id });
    expect(Number(files[0].size)).toBe(3 * 1024 * 1024 + 123);
    const got = await fleet.download(files[0].id, path.join(fleet.base, 'downloaded.bin'));
    expect(got.sha256).toBe(sha);
    expect(got.etag).toBe(`"${sha}"`);
  }, 60_000);
});

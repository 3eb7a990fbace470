import path from 'node:path';
import { GroupService } from '../../src/services/group.service';
import { parseTransferDown, parseTransferSessionTopic, parseTransferUp, TOPIC_ROOT } from '../../src/protocol';
import { rawClient } from '../live/support/broker';
import { runEnded } from '../live/support/records';
import { gatewayLogin, type AgentProcess } from './support/fleet';
import { sha256Of, startTransferFleet, writeRandomFile } from './support/transfer-fleet';

/**
 * BROADCAST crosses the broker once, from the sender (docs/protocol.md §12.6): the stores online
 * when the upload opens are offered the file before the sender's grant and take its chunks from
 * the sender's publish on the upload's session topic. A raw MQTT subscriber counts the chunk
 * bytes the sender puts there and those the gateway sends down to each store.
 */
describe('BROADCAST, the file published once by its sender (end to end)', () => {
  const prefix = `bc-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const chunkSize = 256 * 1024;
  const size = 12 * 1024 * 1024 + 17;
  let fleet: Awaited<ReturnType<typeof startTransferFleet>>;
  let hq: AgentProcess;
  /** Online at send time; the first ignores some chunks on the session topic (the agent's test hook), so it must repair them. */
  let stores: AgentProcess[];
  /** Offline at send time: it gets the file when it comes back, within the run's duration. */
  let late: AgentProcess;
  const dropped = [1, 5, 6, 11];
  let sha: string;
  let runId: number;
  let text: string;
  let status: string;
  /** Chunk bytes on the sender's session topic, the chunks each store pulled, and chunk bytes of the file anywhere else under sdes/v1. */
  const sent = { fileId: 0, session: 0, pulled: new Map<string, number[]>(), elsewhere: 0 };

  beforeAll(async () => {
    fleet = await startTransferFleet(prefix);
    hq = await fleet.agent('hq', 'SERVER');
    stores = await Promise.all([
      fleet.agent('s1', 'STORE', { env: { SDES_TEST_STREAM_DROP: dropped.join(',') } }),
      ...[2, 3, 4, 5].map((n) => fleet.agent(`s${n}`, 'STORE')),
    ]);
    late = await fleet.agent('s6', 'STORE');
    sha = await writeRandomFile(path.join(hq.root, 'outbox/catalog.bin'), size);
    const group = await new GroupService(fleet.t.ctx()).create({ groupName: `${prefix}-all` });
    await new GroupService(fleet.t.ctx()).bindClients(group.id, await Promise.all([...stores, late].map(fleet.clientIdOf)));
    await late.stop();
    await fleet.t.waitFor(`${late.clientId} OFFLINE`, async () => (await fleet.t.statusOf(late.clientId)) === 'OFFLINE');

    const spy = await rawClient(fleet.gateway.brokerUrl, `${prefix}-spy`, gatewayLogin(fleet.gateway));
    spy.on('message', (topic, payload) => {
      const session = parseTransferSessionTopic(topic);
      if (session?.clientId === hq.clientId) {
        const chunk = parseTransferUp(payload);
        if (chunk.ok && chunk.value.header.kind === 'upload.chunk') sent.session += chunk.value.body.length;
        sent.fileId = session.fileId;
        return;
      }
      const down = parseTransferDown(payload);
      const up = down.ok ? undefined : parseTransferUp(payload);
      const frame = down.ok ? down.value : up?.ok ? up.value : undefined;
      if (!frame) return;
      const { header, body } = frame;
      // Other suites may share the broker: only this file counts.
      if (!('fileId' in header) || header.fileId !== sent.fileId || !body.length) return;
      const clientId = topic.split('/')[3];
      if (header.kind === 'fetch.data' && topic.endsWith('/transfer-down') && [...stores, late].some((st) => st.clientId === clientId)) {
        sent.pulled.set(clientId, [...(sent.pulled.get(clientId) ?? []), header.index]);
      } else sent.elsewhere += body.length;
    });
    await spy.subscribeAsync(`${TOPIC_ROOT}/#`, { qos: 1 });

    const { jobId } = await fleet.createJob(
      [[{ type: 'BROADCAST', filePath: 'outbox/catalog.bin', targetFilePath: 'in/catalog.bin', createFilePath: true, groups: [group.id] }]],
      [hq],
      { duration: 120 },
    );
    runId = await fleet.runJob(jobId);
    const rec = await runEnded(fleet.t, runId, 60_000);
    text = rec.messages.map((m) => m.message).join('\n');
    status = rec.run.status;
    // The store that was offline comes back: it is offered the file and pulls it from the store.
    await late.restart();
    await fleet.t.waitFor(
      `${late.clientId}'s delivery DONE`,
      async () =>
        (await fleet.t.sql<{ status: string }>(`select d.status from transfer_delivery d where d.mqtt_client_id = ?`, [late.clientId]))[0]?.status === 'DONE',
      60_000,
    );
    await spy.endAsync();
  }, 180_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('delivers to the online stores and counts the offline one as offline, not failed', () => {
    expect({ status, text }).toMatchObject({ status: 'SUCCESS' });
    expect(text).toMatch(new RegExp(`delivered to 5 of 6; offline: ${late.clientId}`));
  });

  it('writes the same bytes at every online store', async () => {
    for (const store of stores) expect(await sha256Of(path.join(store.root, 'in/catalog.bin'))).toBe(sha);
  });

  it('puts each chunk on the wire once, from the sender, for the gateway and every online store', () => {
    expect(sent.session).toBe(size);
  });

  it('republishes none of it: no chunk of the file goes anywhere else (no broadcast topic)', () => {
    expect(sent.elsewhere).toBe(0);
  });

  it('sends the online stores no chunk from the gateway but those one of them missed, each once', () => {
    const pulledBy = Object.fromEntries(
      [...sent.pulled].filter(([clientId]) => clientId !== late.clientId).map(([clientId, indexes]) => [clientId, [...indexes].sort((a, b) => a - b)]),
    );
    // In any order: a store asks for several missing chunks at once, and the gateway answers them as they are read.
    expect(pulledBy).toEqual({ [stores[0].clientId]: dropped });
    expect((sent.session + dropped.length * chunkSize) / size).toBeLessThan(1.05 + dropped.length / (size / chunkSize));
  });

  it('gives the store that was offline the whole file from the store when it reconnects', async () => {
    expect(await sha256Of(path.join(late.root, 'in/catalog.bin'))).toBe(sha);
    expect(new Set(sent.pulled.get(late.clientId)).size).toBe(Math.ceil(size / chunkSize));
    const open = await fleet.t.sql<{ status: string }>(`select status from transfer_delivery where status <> 'DONE'`);
    expect(open).toEqual([]);
  });
});

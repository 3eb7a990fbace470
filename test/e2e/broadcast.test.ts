import path from 'node:path';
import { GroupService } from '../../src/services/group.service';
import { parseTransferDown, TOPIC_ROOT } from '../../src/protocol';
import { rawClient } from '../live/support/broker';
import { runEnded } from '../live/support/records';
import { gatewayLogin, type AgentProcess } from './support/fleet';
import { sha256Of, startTransferFleet, writeRandomFile } from './support/transfer-fleet';

/**
 * BROADCAST publishes each chunk once for all the stores (docs/protocol.md §12.6): a raw MQTT
 * subscriber counts the chunk bytes the gateway puts on the wire, on the broadcast topic and on
 * every store's transfer-down.
 */
describe('BROADCAST, one publish per chunk (end to end)', () => {
  const prefix = `bc-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  let fleet: Awaited<ReturnType<typeof startTransferFleet>>;
  let hq: AgentProcess;
  let stores: AgentProcess[];
  /** Chunks this store ignores on the broadcast topic (the agent's test hook), so it must repair them. */
  const dropped = [1, 5, 6, 11];

  beforeAll(async () => {
    fleet = await startTransferFleet(prefix);
    hq = await fleet.agent('hq', 'SERVER');
    stores = await Promise.all([
      fleet.agent('s1', 'STORE', { env: { SDES_TEST_BROADCAST_DROP: dropped.join(',') } }),
      ...[2, 3, 4, 5].map((n) => fleet.agent(`s${n}`, 'STORE')),
    ]);
  }, 90_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('5 stores get the file with about 1x its bytes sent down; a store that missed chunks pulls only those', async () => {
    const chunkSize = 256 * 1024;
    const size = 12 * 1024 * 1024 + 17;
    const chunks = Math.ceil(size / chunkSize);
    const sha = await writeRandomFile(path.join(hq.root, 'outbox/catalog.bin'), size);
    const group = await new GroupService(fleet.t.ctx()).create({ groupName: `${prefix}-all` });
    await new GroupService(fleet.t.ctx()).bindClients(group.id, await Promise.all(stores.map(fleet.clientIdOf)));

    const spy = await rawClient(fleet.gateway.brokerUrl, `${prefix}-spy`, gatewayLogin(fleet.gateway));
    const sent = { broadcast: 0, pulled: new Map<string, number[]>() };
    spy.on('message', (topic, payload) => {
      const parsed = parseTransferDown(payload);
      if (!parsed.ok) return;
      const h = parsed.value.header;
      if (h.kind === 'broadcast.data' && h.fileSha256 === sha) sent.broadcast += parsed.value.body.length;
      // Other suites may share the broker: only this fleet's stores count.
      const clientId = topic.split('/')[3];
      if (h.kind === 'fetch.data' && stores.some((st) => st.clientId === clientId)) {
        sent.pulled.set(clientId, [...(sent.pulled.get(clientId) ?? []), h.index]);
      }
    });
    await spy.subscribeAsync([`${TOPIC_ROOT}/broadcasts/+`, `${TOPIC_ROOT}/agents/+/transfer-down`], { qos: 1 });

    const { jobId } = await fleet.createJob(
      [[{ type: 'BROADCAST', filePath: 'outbox/catalog.bin', targetFilePath: 'in/catalog.bin', createFilePath: true, groups: [group.id] }]],
      [hq],
      { duration: 120 },
    );
    const runId = await fleet.runJob(jobId);
    const rec = await runEnded(fleet.t, runId, 60_000);
    const text = rec.messages.map((m) => m.message).join('\n');
    expect({ status: rec.run.status, text }).toMatchObject({ status: 'SUCCESS' });
    expect(text).toMatch(/delivered to 5 of 5/);
    for (const store of stores) expect(await sha256Of(path.join(store.root, 'in/catalog.bin'))).toBe(sha);
    await spy.endAsync();

    // Each chunk went out once on the broadcast topic, not once per store.
    expect(sent.broadcast).toBe(size);
    // Only the store that dropped chunks pulled, and only those, each once (in any order: a store
    // asks for several missing chunks at once, and the gateway answers them as they are read).
    const pulledBy = Object.fromEntries([...sent.pulled].map(([clientId, indexes]) => [clientId, [...indexes].sort((a, b) => a - b)]));
    expect(pulledBy).toEqual({ [stores[0].clientId]: dropped });
    const pulledBytes = dropped.length * chunkSize;
    expect((sent.broadcast + pulledBytes) / size).toBeLessThan(1.05 + dropped.length / chunks);
    const log = await fleet.t.sql<{ status: string }>(`select status from transfer_delivery where status <> 'DONE'`);
    expect(log).toEqual([]);
  }, 120_000);
});

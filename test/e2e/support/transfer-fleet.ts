import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Gateway } from '../../../src/gateway';
import { statusTopic } from '../../../src/protocol';
import { BindingService } from '../../../src/services/binding.service';
import { ClientService } from '../../../src/services/client.service';
import { JobService, type JobInput } from '../../../src/services/job.service';
import type { StepInput } from '../../../src/services/step-script';
import { TaskService } from '../../../src/services/task.service';
import { createTestApiKey } from '../../support/auth';
import { clearRetained } from '../../live/support/broker';
import { createE2eDatabase, ensureBuilt, gatewayTools, spawnAgent, startE2eGateway, type AgentProcess } from './fleet';

/** Hex SHA-256 of a file, streamed. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `bytes` random bytes in 1 MiB pieces (never the whole file in memory). */
export async function writeRandomFile(file: string, bytes: number): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'w');
  const hash = createHash('sha256');
  try {
    for (let done = 0; done < bytes;) {
      const piece = randomBytes(Math.min(1024 * 1024, bytes - done));
      hash.update(piece);
      await handle.write(piece);
      done += piece.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** A gateway as `sdes serve` runs it and agent processes, with the helpers transfer tests share. */
export async function startTransferFleet(prefix: string) {
  ensureBuilt();
  const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-xfer-')));
  const db = await createE2eDatabase();
  const gateway: Gateway = await startE2eGateway({ ...db, mqttUrl: process.env.MQTT_URL });
  const t = gatewayTools(() => gateway);
  const agents: AgentProcess[] = [];
  const key = await createTestApiKey(gateway.db.orm, 'operator');

  const clientIdOf = async (a: AgentProcess) => (await t.sql<{ id: number }>('select id from client where mqtt_client_id = ?', [a.clientId]))[0].id;
  const online = (a: AgentProcess, timeoutMs = 30_000) => t.waitFor(`${a.clientId} ONLINE`, async () => (await t.statusOf(a.clientId)) === 'ONLINE', timeoutMs);

  return {
    gateway,
    t,
    base,
    agents,
    key,
    /** An agent process; `brokerUrl` (a proxy's, say) instead of the gateway's broker. */
    async agent(name: string, role: 'SERVER' | 'STORE', { wait = true, env = {} as Record<string, string>, brokerUrl = gateway.brokerUrl } = {}) {
      const a = await spawnAgent(brokerUrl, `${prefix}-${name}`, role, base, env);
      agents.push(a);
      if (wait) {
        await online(a);
        await new ClientService(t.ctx()).setEnabled(await clientIdOf(a), true);
      }
      return a;
    },
    online,
    clientIdOf,
    async enable(a: AgentProcess) {
      await new ClientService(t.ctx()).setEnabled(await clientIdOf(a), true);
    },
    async createJob(tasks: StepInput[][], targets: AgentProcess[], job: JobInput = {}) {
      const ctx = t.ctx();
      const taskIds: number[] = [];
      for (const [i, script] of tasks.entries()) {
        const task = await new TaskService(ctx).create({ name: `${prefix}-task-${i}-${Math.random().toString(36).slice(2, 6)}` });
        await new TaskService(ctx).saveScript(task.id, script);
        taskIds.push(task.id);
      }
      const created = await new JobService(ctx).create({ name: `${prefix}-job-${Math.random().toString(36).slice(2, 6)}`, ...job });
      await new BindingService(ctx).bindJobTasks(created.id, taskIds);
      await new BindingService(ctx).bindJobClients(created.id, await Promise.all(targets.map(clientIdOf)));
      return { jobId: created.id, taskIds };
    },
    async runJob(jobId: number) {
      const answer = await t.rest(`/jobs/${jobId}/run`);
      if (answer.status !== 200) throw new Error(`run answered ${answer.status}`);
      const [run] = await t.sql<{ id: number }>('select id from job_run where job_id = ? order by id desc limit 1', [jobId]);
      return run.id;
    },
    /** GET /v1/files/{id}/content, the bytes streamed into `file`. */
    async download(fileId: number, file: string) {
      const res = await fetch(`${gateway.url}/v1/files/${fileId}/content`, { headers: key.headers });
      if (res.status !== 200) throw new Error(`download answered ${res.status}: ${await res.text()}`);
      await fs.writeFile(file, Buffer.from(await res.arrayBuffer()));
      return { etag: res.headers.get('etag'), sha256: await sha256Of(file) };
    },
    async stop() {
      // E2E_AGENT_LOG=1 shows what the agents said (their JSON log lines), to debug a failure.
      if (process.env.E2E_AGENT_LOG) for (const a of agents) process.stderr.write(`--- ${a.clientId}\n${a.output.join('')}\n`);
      await Promise.all(agents.map((a) => a.kill()));
      await gateway.stop();
      if (process.env.MQTT_URL)
        await clearRetained(
          process.env.MQTT_URL,
          agents.map((a) => statusTopic(a.clientId)),
        ).catch(() => undefined);
      await db.drop();
      await fs.rm(base, { recursive: true, force: true });
    },
  };
}

import type { MikroORM } from '@mikro-orm/postgresql';
import { JobRun, Report, StepMessage, StepResult, TaskResult } from '../../../src/entities';
import type { Clock } from '../../../src/runtime/clock';
import { AttributeService } from '../../../src/services/attribute.service';
import { BindingService } from '../../../src/services/binding.service';
import { ClientService } from '../../../src/services/client.service';
import { ExecutionService } from '../../../src/services/execution.service';
import { GroupService } from '../../../src/services/group.service';
import { JobService } from '../../../src/services/job.service';
import { PresenceService } from '../../../src/services/presence.service';
import type { ServiceContext } from '../../../src/services/service-context';
import { TaskService } from '../../../src/services/task.service';

/** Ids of what the seed wrote; `spare*` records exist to be deleted or rebound by the route tests. */
export interface Seed {
  attributeId: number;
  spareAttributeId: number;
  serverClientId: number;
  storeClientId: number;
  spareClientId: number;
  staticGroupId: number;
  dynamicGroupId: number;
  spareGroupId: number;
  taskId: number;
  secondTaskId: number;
  spareTaskId: number;
  jobId: number;
  spareJobId: number;
  /** A finished client execution of `jobId` on `serverClientId`, with step results and messages. */
  reportId: string;
  runStartedAt: number;
}

/**
 * A small fleet with history, written through the services (as the front doors would), plus the
 * execution records an agent would have produced (written through the ORM: no agent runs here).
 * Without a dispatcher in the context, the run stays with this seed.
 */
export async function seedFleet(orm: MikroORM, clock: Clock): Promise<Seed> {
  const ctx = (): ServiceContext => ({ em: orm.em.fork(), clock });
  const attributes = new AttributeService(ctx());
  const region = await attributes.create({ attributeName: 'region', type: 0, defaultValue: 'north' });
  const spareAttribute = await attributes.create({ attributeName: 'spare', type: 1 });

  const clients = new ClientService(ctx());
  const server = await clients.create({ mqttClientId: 'hq-server-1', username: 'hq', ip: '10.0.0.1', role: 'SERVER', enable: true });
  const store = await clients.create({ mqttClientId: 'store-001', username: 'store1', ip: '10.1.0.1', role: 'STORE', enable: true });
  const spareClient = await clients.create({ mqttClientId: 'spare-client', role: 'STORE' });
  await new ClientService(ctx()).setAttributes(server.id, [{ attributeId: region.id, attributeValue: 'south' }]);

  const groups = new GroupService(ctx());
  const staticGroup = await groups.create({ groupName: 'stores', type: 0, description: 'all stores' });
  await new GroupService(ctx()).bindClients(staticGroup.id, [store.id]);
  const dynamicGroup = await new GroupService(ctx()).create({
    groupName: 'servers',
    type: 1,
    queryProperty: 'role',
    queryOperation: 'EQ',
    queryValue: 'SERVER',
  });
  const spareGroup = await new GroupService(ctx()).create({ groupName: 'spare group' });

  const tasks = new TaskService(ctx());
  const task = await tasks.create({ name: 'copy sales', description: 'copies the sales file', priority: 2 });
  await new TaskService(ctx()).saveScript(task.id, [
    { type: 'COPY_FILE', order: 0, filePath: 'sales/*.csv', targetFilePath: 'outbox', createFilePath: true },
    {
      type: 'IF',
      order: 1,
      conditions: [{ type: 'GET_FILE_STATUS', order: 0, filePath: 'outbox/ready.flag' }],
      true: [{ type: 'EXECUTE_FILE', order: 0, filePath: 'bin/post.sh', block: false }],
    },
  ]);
  const secondTask = await new TaskService(ctx()).create({ name: 'clean up' });
  await new TaskService(ctx()).saveScript(secondTask.id, [{ type: 'DELETE_FILE', filePath: 'outbox/old' }]);
  const spareTask = await new TaskService(ctx()).create({ name: 'spare task' });

  const job = await new JobService(ctx()).create({
    name: 'nightly sales',
    description: 'collects sales',
    executionTime: '0 2 * * *',
    cycleType: 1,
    priority: 1,
  });
  const spareJob = await new JobService(ctx()).create({ name: 'spare job' });
  const bindings = new BindingService(ctx());
  await bindings.bindJobTasks(job.id, [task.id, secondTask.id]);
  await bindings.bindJobGroups(job.id, [staticGroup.id]);
  await bindings.bindJobClients(job.id, [server.id]);

  const run = await new ExecutionService(ctx()).createRun(job.id);
  const reportId = await finishRun(orm, run.id, server.id);
  await new PresenceService(ctx()).recordOnlineSample();

  return {
    attributeId: region.id,
    spareAttributeId: spareAttribute.id,
    serverClientId: server.id,
    storeClientId: store.id,
    spareClientId: spareClient.id,
    staticGroupId: staticGroup.id,
    dynamicGroupId: dynamicGroup.id,
    spareGroupId: spareGroup.id,
    taskId: task.id,
    secondTaskId: secondTask.id,
    spareTaskId: spareTask.id,
    jobId: job.id,
    spareJobId: spareJob.id,
    reportId,
    runStartedAt: run.startedAt.getTime(),
  };
}

/**
 * What agents would have reported: the server client's execution succeeded (every step with a
 * START and a result message), the store client's failed; the run ends FAILED.
 */
async function finishRun(orm: MikroORM, runId: number, successClientId: number): Promise<string> {
  const em = orm.em.fork();
  const run = await em.findOneOrFail(JobRun, runId);
  const reports = await em.find(Report, { run: runId }, { orderBy: { id: 'asc' } });
  const t0 = run.startedAt.getTime();
  let successReportId = '';
  for (const report of reports) {
    const ok = report.client.id === successClientId;
    if (ok) successReportId = report.reportId;
    Object.assign(report, { status: ok ? 'SUCCESS' : 'FAILED', startedAt: new Date(t0 + 10), endedAt: new Date(t0 + 900), dispatchedAt: new Date(t0 + 5) });
    const results = await em.find(TaskResult, { report }, { orderBy: { order: 'asc' } });
    for (const result of results) {
      Object.assign(result, { status: ok ? 'SUCCESS' : 'FAILED', startedAt: new Date(t0 + 20), endedAt: new Date(t0 + 800) });
      const steps = flatten(result.script as ScriptNode[]);
      steps.forEach((s, i) => {
        const step = em.create(StepResult, {
          taskResult: result,
          stepId: s.node.scriptId,
          parentStepId: s.parent,
          type: s.node.type,
          order: s.node.order,
          step: s.node as unknown as Record<string, unknown>,
          status: ok ? 'SUCCESS' : 'FAILED',
          startedAt: new Date(t0 + 30 + i * 100),
          endedAt: new Date(t0 + 90 + i * 100),
        });
        em.create(StepMessage, { stepResult: step, seq: 0, startTime: new Date(t0 + 30 + i * 100), endTime: new Date(t0 + 31 + i * 100), message: 'START' });
        em.create(StepMessage, {
          stepResult: step,
          seq: 1,
          startTime: new Date(t0 + 89 + i * 100),
          endTime: new Date(t0 + 90 + i * 100),
          message: ok ? 'Successed' : 'Failed',
        });
      });
    }
  }
  run.status = 'FAILED';
  run.endedAt = new Date(t0 + 1000);
  await em.flush();
  return successReportId;
}

interface ScriptNode {
  scriptId: number;
  type: string;
  order: number;
  conditions?: ScriptNode[];
  true?: ScriptNode[];
  false?: ScriptNode[];
}

function flatten(nodes: ScriptNode[], parent: number | null = null): { node: ScriptNode; parent: number | null }[] {
  return nodes.flatMap((node) => [{ node, parent }, ...flatten([...(node.conditions ?? []), ...(node.true ?? []), ...(node.false ?? [])], node.scriptId)]);
}

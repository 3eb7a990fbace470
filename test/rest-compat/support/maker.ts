import type { MikroORM } from '@mikro-orm/postgresql';
import type { Clock } from '../../../src/runtime/clock';
import { AttributeService } from '../../../src/services/attribute.service';
import { BindingService } from '../../../src/services/binding.service';
import { ClientService } from '../../../src/services/client.service';
import { GroupService } from '../../../src/services/group.service';
import { JobService } from '../../../src/services/job.service';
import type { ServiceContext } from '../../../src/services/service-context';
import { TaskService } from '../../../src/services/task.service';

/** Fresh records for the routes that delete or change what they touch, so no test leans on another's leftovers. */
export interface Maker {
  client(): Promise<number>;
  group(): Promise<number>;
  task(): Promise<number>;
  job(): Promise<number>;
  /** An enabled job with a task with a script, aimed at `clientId`: a run of it can start. */
  runnableJob(clientId: number): Promise<number>;
  attribute(): Promise<number>;
}

export function createMaker(orm: MikroORM, clock: Clock): Maker {
  let n = 0;
  const ctx = (): ServiceContext => ({ em: orm.em.fork(), clock });
  const next = () => `${Date.now().toString(36)}-${++n}`;
  return {
    client: async () => (await new ClientService(ctx()).create({ mqttClientId: `made-${next()}` })).id,
    group: async () => (await new GroupService(ctx()).create({ groupName: `made ${next()}` })).id,
    task: async () => (await new TaskService(ctx()).create({ name: `made ${next()}` })).id,
    job: async () => (await new JobService(ctx()).create({ name: `made ${next()}` })).id,
    async runnableJob(clientId) {
      const task = await new TaskService(ctx()).create({ name: `runnable ${next()}` });
      await new TaskService(ctx()).saveScript(task.id, [{ type: 'DELETE_FILE', filePath: 'tmp/x' }]);
      const job = await new JobService(ctx()).create({ name: `runnable ${next()}` });
      await new BindingService(ctx()).bindJobTasks(job.id, [task.id]);
      await new BindingService(ctx()).bindJobClients(job.id, [clientId]);
      return job.id;
    },
    attribute: async () => (await new AttributeService(ctx()).create({ attributeName: `made-${next()}` })).id,
  };
}

import { Alert, SimpleGrid, Stack } from '@mantine/core';
import { useState } from 'react';
import { useClient, useQuery } from 'urql';
import { errorText } from '../forms';
import { BindingCard, type Item } from './binding-card';
import { move } from './step-model';

const BINDINGS = `query JobBindings($id: Int!) {
  job(id: $id) { id tasks(first: 100) { id name } groups(first: 100) { id name } clients(first: 100) { id mqttClientId } }
  tasks(pageSize: 200) { nodes { id name } }
  groups(pageSize: 200) { nodes { id name } }
}`;
// Each answers the job, so urql refetches every query that shows it (this card, the dry run).
const JOB_FIELDS = 'id tasksCount groupsCount clientsCount';
const MUTATIONS = {
  bindTask: `mutation ($jobId: Int!, $ids: [Int!]!) { bindJobTasks(jobId: $jobId, taskIds: $ids) { ${JOB_FIELDS} } }`,
  unbindTask: `mutation ($jobId: Int!, $ids: [Int!]!) { unbindJobTasks(jobId: $jobId, taskIds: $ids) { ${JOB_FIELDS} } }`,
  reorderTasks: `mutation ($jobId: Int!, $ids: [Int!]!) { reorderJobTasks(jobId: $jobId, taskIds: $ids) { ${JOB_FIELDS} } }`,
  bindGroup: `mutation ($jobId: Int!, $ids: [Int!]!) { bindJobGroups(jobId: $jobId, groupIds: $ids) { ${JOB_FIELDS} } }`,
  unbindGroup: `mutation ($jobId: Int!, $ids: [Int!]!) { unbindJobGroups(jobId: $jobId, groupIds: $ids) { ${JOB_FIELDS} } }`,
  bindClient: `mutation ($jobId: Int!, $ids: [Int!]!) { bindJobClients(jobId: $jobId, clientIds: $ids) { ${JOB_FIELDS} } }`,
  unbindClient: `mutation ($jobId: Int!, $ids: [Int!]!) { unbindJobClients(jobId: $jobId, clientIds: $ids) { ${JOB_FIELDS} } }`,
};

/** What a job runs (its tasks, in order) and whom it reaches (groups and clients bound directly). */
export function JobBindings({ jobId }: { jobId: number }) {
  const [result] = useQuery({ query: BINDINGS, variables: { id: jobId } });
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  // One client call for the seven documents: they differ only in the mutation they name.
  const runDocument = async (which: keyof typeof MUTATIONS, ids: number[]) => {
    setError(null);
    const res = await client.mutation(MUTATIONS[which], { jobId, ids }).toPromise();
    if (res.error) setError(errorText(res.error));
  };
  const job = result.data?.job;
  if (!job) return null;
  const tasks: Item[] = job.tasks.map((t: { id: number; name: string }) => ({ id: t.id, label: t.name, to: `/tasks/${t.id}` }));
  const groups: Item[] = job.groups.map((g: { id: number; name: string }) => ({ id: g.id, label: g.name, to: `/groups/${g.id}` }));
  const clients: Item[] = job.clients.map((c: { id: number; mqttClientId: string }) => ({ id: c.id, label: c.mqttClientId, to: `/clients/${c.id}` }));
  const options = (all: { id: number; name: string }[], bound: Item[]) =>
    all.filter((o) => !bound.some((b) => b.id === o.id)).map((o) => ({ value: String(o.id), label: o.name }));
  return (
    <Stack>
      {error && <Alert color="red">{error}</Alert>}
      <SimpleGrid cols={3}>
        <BindingCard
          title="Tasks (run in this order)"
          kind="task"
          items={tasks}
          options={options(result.data.tasks.nodes, tasks)}
          onAdd={(id) => runDocument('bindTask', [id])}
          onRemove={(id) => runDocument('unbindTask', [id])}
          onMove={(from, to) =>
            runDocument(
              'reorderTasks',
              move(tasks, from, to).map((t) => t.id),
            )
          }
        />
        <BindingCard
          title="Groups"
          kind="group"
          items={groups}
          options={options(result.data.groups.nodes, groups)}
          onAdd={(id) => runDocument('bindGroup', [id])}
          onRemove={(id) => runDocument('unbindGroup', [id])}
        />
        <BindingCard
          title="Clients (bound directly)"
          kind="client"
          items={clients}
          onAdd={(id) => runDocument('bindClient', [id])}
          onRemove={(id) => runDocument('unbindClient', [id])}
        />
      </SimpleGrid>
    </Stack>
  );
}

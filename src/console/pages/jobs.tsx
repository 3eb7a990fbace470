import { Alert, Button, Group, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { navigate } from '../router';
import { Link, Pending, StatusBadge, when } from '../ui';

const JOBS = `query Jobs { jobs(pageSize: 200) { totalCount nodes { id name enabled cycleType executionTime nextRunAt lastRunAt tasksCount targetClientsCount } } }`;
const CREATE = `mutation CreateJob($name: String!) { createJob(input: { name: $name }) { id } }`;
export const RUN_JOB = `mutation RunJob($id: Int!) { runJob(id: $id) { id } }`;

type JobRow = {
  id: number;
  name: string;
  enabled: boolean;
  cycleType: string;
  executionTime: string | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  tasksCount: number;
  targetClientsCount: number;
};

/** "Run now" starts a run and opens its live view. */
export function useRunNow() {
  const [state, runJob] = useMutation(RUN_JOB);
  const run = async (id: number) => {
    const res = await runJob({ id });
    if (res.data) navigate(`/runs/${res.data.runJob.id}`);
  };
  return { run, error: state.error, fetching: state.fetching };
}

export function JobsPage() {
  const [result] = useQuery({ query: JOBS });
  const runNow = useRunNow();
  const [started, setStarted] = useState<number | null>(null);
  const jobs: JobRow[] = result.data?.jobs.nodes ?? [];
  const [created, create] = useMutation(CREATE);
  const [name, setName] = useState('');
  return (
    <Stack>
      <Title order={3}>Jobs</Title>
      <Group align="flex-end">
        <TextInput
          label="New job name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldErrors(created.error).name ?? errorText(created.error)}
        />
        <Button
          loading={created.fetching}
          onClick={async () => {
            // A new job runs only when asked until its page gives it a schedule, tasks and targets.
            const res = await create({ name });
            if (res.data) navigate(`/jobs/${res.data.createJob.id}`);
          }}
        >
          Create job
        </Button>
      </Group>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {runNow.error && <Alert color="red">{errorText(runNow.error)}</Alert>}
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Job</Table.Th>
            <Table.Th>Schedule</Table.Th>
            <Table.Th>Next run</Table.Th>
            <Table.Th>Last run</Table.Th>
            <Table.Th>Tasks</Table.Th>
            <Table.Th>Clients</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {jobs.map((j) => (
            <Table.Tr key={j.id} data-job={j.name}>
              <Table.Td>
                <Link to={`/jobs/${j.id}`}>{j.name}</Link> {!j.enabled && <StatusBadge status="DISABLED" />}
              </Table.Td>
              <Table.Td>{j.executionTime ? `${j.cycleType} · ${j.executionTime}` : 'on demand'}</Table.Td>
              <Table.Td>{when(j.nextRunAt)}</Table.Td>
              <Table.Td>{when(j.lastRunAt)}</Table.Td>
              <Table.Td>{j.tasksCount}</Table.Td>
              <Table.Td>{j.targetClientsCount}</Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  loading={runNow.fetching && started === j.id}
                  onClick={() => {
                    setStarted(j.id);
                    void runNow.run(j.id);
                  }}
                >
                  Run now
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

import { Alert, Badge, Button, Card, Group, List, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { JobBindings } from './job-bindings';
import { JobForm } from './job-form';
import { useQuery } from 'urql';
import { Pending, StatusBadge, when } from '../ui';
import { useRunNow } from './jobs';

const JOB = `query Job($id: Int!) {
  job(id: $id) { id name description enabled priority cycleType executionTime duration maxRetries retryWait nextRunAt lastRunAt tasksCount groupsCount clientsCount }
  jobDryRun(id: $id) {
    runnable blockers onlineCount offlineCount disabledCount nextFireTimes timeZone
    online { id mqttClientId } offline { id mqttClientId } disabled { id mqttClientId }
  }
}`;

type Target = { id: number; mqttClientId: string };

function Targets({ title, status, count, clients }: { title: string; status: string; count: number; clients: Target[] }) {
  return (
    <Card withBorder data-dry-run={status}>
      <Group justify="space-between">
        <Text fw={600}>{title}</Text>
        <StatusBadge status={status} />
      </Group>
      <Text size="xl" fw={700}>
        {count}
      </Text>
      <List size="sm">
        {clients.map((c) => (
          <List.Item key={c.id}>{c.mqttClientId}</List.Item>
        ))}
        {count > clients.length && <List.Item>… and {count - clients.length} more</List.Item>}
      </List>
    </Card>
  );
}

/** One job: its settings and schedule (editable), its tasks, groups and clients, and a dry run of what "run now" would reach. */
export function JobPage({ id }: { id: number }) {
  const [result, refetch] = useQuery({ query: JOB, variables: { id } });
  const runNow = useRunNow();
  const job = result.data?.job;
  const dry = result.data?.jobDryRun;
  return (
    <Stack>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {job && (
        <>
          <Group justify="space-between">
            <Title order={3}>
              {job.name} {!job.enabled && <StatusBadge status="DISABLED" />}
            </Title>
            <Group>
              <Button variant="default" onClick={() => refetch({ requestPolicy: 'network-only' })}>
                Dry run again
              </Button>
              <Button onClick={() => void runNow.run(id)} loading={runNow.fetching}>
                Run now
              </Button>
            </Group>
          </Group>
          {runNow.error && <Alert color="red">{runNow.error.message}</Alert>}
          <Text c="dimmed">{job.description}</Text>
          <Group>
            <Badge variant="outline">{job.executionTime ? `${job.cycleType} · ${job.executionTime}` : 'on demand'}</Badge>
            <Badge variant="outline">duration {job.duration} s</Badge>
            <Badge variant="outline">retries {job.maxRetries}</Badge>
            <Text size="sm">last run {when(job.lastRunAt)}</Text>
          </Group>
          <JobForm key={job.id} job={job} />
          <JobBindings jobId={id} />
        </>
      )}
      {dry && (
        <>
          <Title order={4}>Dry run: who a run would reach now</Title>
          {!dry.runnable && (
            <Alert color="orange" title="A run now would be refused" data-dry-run-blockers>
              {(dry.blockers as string[]).join('; ')}
            </Alert>
          )}
          <SimpleGrid cols={3}>
            <Targets title="Online" status="ONLINE" count={dry.onlineCount} clients={dry.online} />
            <Targets title="Offline" status="OFFLINE" count={dry.offlineCount} clients={dry.offline} />
            <Targets title="Disabled (skipped)" status="DISABLED" count={dry.disabledCount} clients={dry.disabled} />
          </SimpleGrid>
          <Card withBorder>
            <Text fw={600}>Next fire times ({dry.timeZone}, the management time zone)</Text>
            {dry.nextFireTimes.length === 0 ? (
              <Text size="sm" c="dimmed">
                None: the job runs only when asked.
              </Text>
            ) : (
              <List size="sm">
                {(dry.nextFireTimes as string[]).map((t) => (
                  <List.Item key={t}>{when(t, dry.timeZone)}</List.Item>
                ))}
              </List>
            )}
          </Card>
        </>
      )}
    </Stack>
  );
}

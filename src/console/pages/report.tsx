import { Code, Group, Stack, Text } from '@mantine/core';
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { Pending, StatusBadge, when } from '../ui';

const REPORT = `query Report($reportId: String!) {
  report(reportId: $reportId) { reportId mqttClientId status
    tasks { id taskName status startTime endTime
      steps { id order type status startTime endTime messages { message startTime } } } }
}`;

type Step = {
  id: number;
  order: number;
  type: string;
  status: string;
  startTime: string | null;
  endTime: string | null;
  messages: { message: string; startTime: string }[];
};
type TaskRow = { id: number; taskName: string; status: string; startTime: string | null; endTime: string | null; steps: Step[] };

/** One client's share of a run: its tasks, their steps and the steps' messages. `tick` changes on each live event of it. */
export function ReportDetail({ reportId, tick }: { reportId: string; tick: number }) {
  const [result, refetch] = useQuery({ query: REPORT, variables: { reportId } });
  useEffect(() => {
    if (tick) refetch({ requestPolicy: 'network-only' });
  }, [tick, refetch]);
  const report = result.data?.report;
  return (
    <Stack gap="xs" data-report-detail={reportId}>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {report && (
        <Text fw={600}>
          {report.mqttClientId} <StatusBadge status={report.status} />
        </Text>
      )}
      {(report?.tasks as TaskRow[] | undefined)?.map((t) => (
        <Stack key={t.id} gap={4} pl="sm">
          <Group gap="xs">
            <Text fw={500}>{t.taskName}</Text>
            <StatusBadge status={t.status} />
            <Text size="xs" c="dimmed">
              {when(t.startTime)} → {when(t.endTime)}
            </Text>
          </Group>
          {t.steps.map((s) => (
            <Stack key={s.id} gap={2} pl="md">
              <Group gap="xs">
                <Text size="sm">
                  {s.order}. {s.type}
                </Text>
                <StatusBadge status={s.status} />
              </Group>
              {s.messages.length > 0 && <Code block>{s.messages.map((m) => m.message).join('\n')}</Code>}
            </Stack>
          ))}
        </Stack>
      ))}
    </Stack>
  );
}

import { Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { Link, StatusBadge } from '../ui';

export type CalendarEntry = { jobId: number; jobName: string; runId: number | null; result: string; startAt: string; clients: number };

/** Monday 00:00 of this week, in the browser's time zone (what the operator reads as "this week"). */
export function weekStart(now = new Date()): Date {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

const DAY_MS = 24 * 3600_000;

/** The job calendar of the week: past runs with their result, RUNNING, and UPCOMING fire times (dashboard.scheduledJobs). */
export function WeekCalendar({ from, entries }: { from: Date; entries: CalendarEntry[] }) {
  const days = Array.from({ length: 7 }, (_, i) => new Date(from.getTime() + i * DAY_MS));
  const today = new Date().toDateString();
  return (
    <SimpleGrid cols={7} spacing={6}>
      {days.map((day) => {
        const mine = entries.filter((e) => new Date(e.startAt).toDateString() === day.toDateString());
        return (
          <Card key={day.toISOString()} withBorder padding={6} bg={day.toDateString() === today ? 'teal.0' : undefined} data-calendar-day={day.toDateString()}>
            <Text size="xs" fw={600}>
              {day.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })}
            </Text>
            <Stack gap={4} mt={4}>
              {mine.length === 0 && (
                <Text size="xs" c="dimmed">
                  —
                </Text>
              )}
              {mine.slice(0, 8).map((e) => (
                <Group key={`${e.jobId}-${e.startAt}`} gap={4} wrap="nowrap">
                  <Text size="xs">{new Date(e.startAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}</Text>
                  <Text size="xs" truncate>
                    {e.runId ? <Link to={`/runs/${e.runId}`}>{e.jobName}</Link> : e.jobName}
                  </Text>
                  <StatusBadge status={e.result} />
                </Group>
              ))}
              {mine.length > 8 && (
                <Text size="xs" c="dimmed">
                  … {mine.length - 8} more
                </Text>
              )}
            </Stack>
          </Card>
        );
      })}
    </SimpleGrid>
  );
}

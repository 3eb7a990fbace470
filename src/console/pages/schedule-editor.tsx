import { Card, Checkbox, Group, List, NativeSelect, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { when } from '../ui';

export const CYCLE_TYPES = ['ONCE', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;

/** The fire times come from the gateway's scheduler code (schedulePreview), never from the browser's clock or zone. */
const PREVIEW = `query SchedulePreview($executionTime: String!, $cycleType: CycleType) {
  schedulePreview(executionTime: $executionTime, cycleType: $cycleType, count: 5) { timeZone fireTimes } }`;

export interface Schedule {
  cycleType: string;
  /** null: the job runs only when asked. */
  executionTime: string | null;
}

/** A date in the management time zone, as the scheduler reads the cron expression. */

/**
 * cycleType and the cron expression, with the next five fire times as the gateway computes them
 * for the expression being typed (debounced), or the gateway's reason it is refused, on the input.
 * `saveError` is the error of saving the job: its executionTime problem shows on the same input.
 */
export function ScheduleEditor({ value, onChange, saveError }: { value: Schedule; onChange: (s: Schedule) => void; saveError?: string }) {
  const onDemand = value.executionTime === null;
  const [expression] = useDebouncedValue(value.executionTime ?? '', 300);
  const [preview] = useQuery({
    query: PREVIEW,
    variables: { executionTime: expression, cycleType: value.cycleType },
    pause: onDemand || !expression.trim(),
    requestPolicy: 'network-only',
  });
  const previewError = fieldErrors(preview.error).executionTime ?? (preview.error ? errorText(preview.error) : undefined);
  const times: string[] = preview.data?.schedulePreview.fireTimes ?? [];
  const zone: string | undefined = preview.data?.schedulePreview.timeZone;
  return (
    <Card withBorder data-schedule-editor>
      <Text fw={600}>Schedule</Text>
      <Group align="flex-start" mt="xs">
        <Checkbox
          mt={28}
          label="Only when asked (no schedule)"
          checked={onDemand}
          onChange={(e) => onChange({ ...value, executionTime: e.currentTarget.checked ? null : '0 3 * * *' })}
        />
        <NativeSelect
          label="Recurrence"
          data={[...CYCLE_TYPES]}
          value={value.cycleType}
          disabled={onDemand}
          onChange={(e) => onChange({ ...value, cycleType: e.currentTarget.value })}
        />
        <TextInput
          label="Cron expression"
          description="minute hour day-of-month month day-of-week"
          w={280}
          disabled={onDemand}
          value={value.executionTime ?? ''}
          error={saveError ?? (!onDemand && previewError)}
          onChange={(e) => onChange({ ...value, executionTime: e.currentTarget.value })}
        />
      </Group>
      {!onDemand && times.length > 0 && (
        <div data-fire-times>
          <Text size="sm" mt="xs">
            Fires next ({zone}, the management time zone):
          </Text>
          <List size="sm">
            {times.map((t) => (
              <List.Item key={t} data-fire-time={t}>
                {when(t, zone ?? 'UTC')}
              </List.Item>
            ))}
          </List>
        </div>
      )}
    </Card>
  );
}

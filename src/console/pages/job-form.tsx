import { Alert, Button, Card, Checkbox, Group, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useMutation } from 'urql';
import { errorText, fieldErrors, numberOrNull } from '../forms';
import { ScheduleEditor } from './schedule-editor';

const UPDATE = `mutation UpdateJob($input: UpdateJobInput!) {
  updateJob(input: $input) { id name description enabled priority cycleType executionTime duration maxRetries retryWait nextRunAt } }`;

export interface JobSettings {
  id: number;
  name: string;
  description: string | null;
  enabled: boolean;
  priority: number;
  cycleType: string;
  executionTime: string | null;
  duration: number;
  maxRetries: number;
  retryWait: number;
}

type Form = Omit<JobSettings, 'id' | 'priority' | 'duration' | 'maxRetries' | 'retryWait' | 'description'> & {
  description: string;
  priority: number | null;
  duration: number | null;
  maxRetries: number | null;
  retryWait: number | null;
};

/** A job's settings and schedule; saving sends every field (updateJob), the API's errors land on their inputs. */
export function JobForm({ job }: { job: JobSettings }) {
  // Only the editable fields: the job object from the page's query carries its relations too.
  const [form, setForm] = useState<Form>(() => ({
    name: job.name,
    description: job.description ?? '',
    enabled: job.enabled,
    priority: job.priority,
    cycleType: job.cycleType,
    executionTime: job.executionTime,
    duration: job.duration,
    maxRetries: job.maxRetries,
    retryWait: job.retryWait,
  }));
  const [saved, save] = useMutation(UPDATE);
  const [savedForm, setSavedForm] = useState<Form | null>(null);
  const errors = fieldErrors(saved.error);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm({ ...form, [k]: v });
  const submit = async () => {
    const res = await save({ input: { id: job.id, ...form, description: form.description || null } });
    if (res.data) setSavedForm(form);
  };
  return (
    <Card withBorder data-job-form>
      <Stack gap="sm">
        <Group align="flex-end">
          <TextInput label="Name" value={form.name} error={errors.name} onChange={(e) => set('name', e.currentTarget.value)} />
          <TextInput
            label="Description"
            w={300}
            value={form.description}
            error={errors.description}
            onChange={(e) => set('description', e.currentTarget.value)}
          />
          <Checkbox mb={8} label="Enabled" checked={form.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
        </Group>
        <Group align="flex-end">
          <NumberInput label="Priority" w={110} value={form.priority ?? ''} error={errors.priority} onChange={(v) => set('priority', numberOrNull(v))} />
          <NumberInput
            label="Longest run (s)"
            w={140}
            min={1}
            value={form.duration ?? ''}
            error={errors.duration}
            onChange={(v) => set('duration', numberOrNull(v))}
          />
          <NumberInput
            label="Retries"
            w={110}
            min={0}
            value={form.maxRetries ?? ''}
            error={errors.maxRetries}
            onChange={(v) => set('maxRetries', numberOrNull(v))}
          />
          <NumberInput
            label="Between retries (s)"
            w={150}
            min={0}
            value={form.retryWait ?? ''}
            error={errors.retryWait}
            onChange={(v) => set('retryWait', numberOrNull(v))}
          />
        </Group>
        <ScheduleEditor
          value={{ cycleType: form.cycleType, executionTime: form.executionTime }}
          onChange={(s) => setForm({ ...form, ...s })}
          saveError={errors.executionTime ?? errors.cycleType}
        />
        <Group>
          <Button onClick={() => void submit()} loading={saved.fetching}>
            Save job
          </Button>
          {savedForm === form && (
            <Text size="sm" c="green" data-job-saved>
              Saved
            </Text>
          )}
        </Group>
        {saved.error && !Object.keys(errors).length && <Alert color="red">{errorText(saved.error)}</Alert>}
      </Stack>
    </Card>
  );
}

import { Alert, Button, Card, Checkbox, Group, NumberInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, fieldErrors, numberOrNull } from '../forms';
import { Link, Pending } from '../ui';
import { StepList } from './step-editor';
import { fromApi, toInput, type ApiStep, type DraftStep } from './step-model';

const TASK = `query Task($id: Int!) {
  task(id: $id) { id name description enabled priority disableValidation jobs(first: 50) { id name } script }
  groups(pageSize: 200) { nodes { id name } }
}`;
const UPDATE = `mutation UpdateTask($input: UpdateTaskInput!) { updateTask(input: $input) { id name description enabled priority disableValidation } }`;
const SAVE_SCRIPT = `mutation SaveScript($taskId: Int!, $steps: [StepInput!]!) { saveTaskScript(taskId: $taskId, steps: $steps) { id script } }`;

type Settings = { name: string; description: string; priority: number | null; enabled: boolean; disableValidation: boolean };

/** One task: its settings and its step script, edited as a tree (IF steps hold their conditions and branches). */
export function TaskPage({ id }: { id: number }) {
  const [result] = useQuery({ query: TASK, variables: { id } });
  const task = result.data?.task;
  return (
    <Stack>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {task && (
        <>
          <Title order={3}>{task.name}</Title>
          <Text size="sm">
            In jobs:{' '}
            {(task.jobs as { id: number; name: string }[]).map((j, i) => (
              <span key={j.id}>
                {i > 0 && ', '}
                <Link to={`/jobs/${j.id}`}>{j.name}</Link>
              </span>
            ))}
            {task.jobs.length === 0 && 'none'}
          </Text>
          <TaskSettings id={id} task={task} />
          <ScriptEditor
            key={id}
            taskId={id}
            initial={task.script}
            groups={(result.data.groups.nodes as { id: number; name: string }[]).map((g) => ({ value: String(g.id), label: g.name }))}
          />
        </>
      )}
    </Stack>
  );
}

function TaskSettings({ id, task }: { id: number; task: Settings & { description: string | null } }) {
  const [form, setForm] = useState<Settings>({ ...task, description: task.description ?? '' });
  const [saved, save] = useMutation(UPDATE);
  const errors = fieldErrors(saved.error);
  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => setForm({ ...form, [k]: v });
  return (
    <Card withBorder data-task-settings>
      <Group align="flex-end">
        <TextInput label="Name" value={form.name} error={errors.name} onChange={(e) => set('name', e.currentTarget.value)} />
        <TextInput
          label="Description"
          w={320}
          value={form.description}
          error={errors.description}
          onChange={(e) => set('description', e.currentTarget.value)}
        />
        <NumberInput label="Priority" w={100} value={form.priority ?? ''} error={errors.priority} onChange={(v) => set('priority', numberOrNull(v))} />
        <Checkbox mb={8} label="Enabled" checked={form.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
        <Checkbox mb={8} label="Skip validation" checked={form.disableValidation} onChange={(e) => set('disableValidation', e.currentTarget.checked)} />
        <Button
          variant="default"
          loading={saved.fetching}
          onClick={() =>
            void save({
              input: {
                id,
                name: form.name,
                description: form.description || null,
                priority: form.priority,
                enabled: form.enabled,
                disableValidation: form.disableValidation,
              },
            })
          }
        >
          Save settings
        </Button>
      </Group>
      {saved.error && !Object.keys(errors).length && <Alert color="red">{errorText(saved.error)}</Alert>}
    </Card>
  );
}

function ScriptEditor({ taskId, initial, groups }: { taskId: number; initial: ApiStep[]; groups: { value: string; label: string }[] }) {
  const [steps, setSteps] = useState<DraftStep[]>(() => fromApi(initial));
  const [state, saveScript] = useMutation(SAVE_SCRIPT);
  // The draft as last saved: the "saved" note shows until the next edit makes a new draft.
  const [saved, setSaved] = useState<{ steps: DraftStep[]; at: Date } | null>(null);
  const errors = fieldErrors(state.error);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Script</Title>
        <Group>
          {saved?.steps === steps && (
            <Text size="sm" c="green" data-script-saved>
              Saved {saved.at.toLocaleTimeString()}
            </Text>
          )}
          <Button
            loading={state.fetching}
            onClick={async () => {
              const res = await saveScript({ taskId, steps: toInput(steps) });
              if (res.data) {
                // The saved script comes back with the new steps' ids: the next save keeps them.
                const next = fromApi(res.data.saveTaskScript.script);
                setSteps(next);
                setSaved({ steps: next, at: new Date() });
              }
            }}
          >
            Save script
          </Button>
        </Group>
      </Group>
      {state.error && (
        <Alert color="red" mb="sm" title="The gateway refused the script" data-script-error>
          {errorText(state.error)}
        </Alert>
      )}
      <StepList steps={steps} onChange={setSteps} parent="" branch={null} errors={errors} groups={groups} />
    </Card>
  );
}

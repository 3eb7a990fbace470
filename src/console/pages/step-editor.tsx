import { ActionIcon, Button, Card, Checkbox, Group, MultiSelect, NativeSelect, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { FieldErrors } from '../forms';
import { numberOrNull } from '../forms';
import {
  move,
  newStep,
  OVERWRITE_MODES,
  STEP_HELP,
  STEP_OPTIONS,
  STEP_TYPES,
  stepPath,
  type Branch,
  type DraftStep,
  type OptionField,
  type StepType,
} from './step-model';

type Option = { value: string; label: string };

interface ListProps {
  steps: DraftStep[];
  onChange: (steps: DraftStep[]) => void;
  /** The server's name of the step holding this list ('' for the root list). */
  parent: string;
  branch: Branch | null;
  errors: FieldErrors;
  groups: Option[];
}

const LABELS: Record<OptionField, string> = {
  filePath: 'File path',
  targetFilePath: 'Target path',
  createFilePath: 'Create missing folders',
  ignoreHiddenFile: 'Leave hidden files',
  overWrite: 'Existing target',
  interval: 'Polling interval (ms)',
  timeOut: 'Time-out (ms)',
  duration: 'Longest run (s)',
  compressFile: 'Compress in transit',
  groups: 'Target groups',
};

/** A list of steps (the script, or an IF's conditions or branch): each step's card, and "Add step". */
export function StepList({ steps, onChange, parent, branch, errors, groups }: ListProps) {
  // An IF's conditions look at files: the server takes only GET_FILE_STATUS there.
  const types: readonly StepType[] = branch === 'conditions' ? ['GET_FILE_STATUS'] : STEP_TYPES;
  const [adding, setAdding] = useState<StepType>(types[0]);
  const listName = branch ? stepPath(parent, branch, 0).replace(/\[0\]$/, '') : 'script';
  return (
    <Stack gap="xs" data-step-list={listName}>
      {steps.map((step, i) => (
        <StepCard
          key={step.key}
          step={step}
          index={i}
          count={steps.length}
          path={stepPath(parent, branch, i)}
          types={types}
          errors={errors}
          groups={groups}
          onChange={(next) => onChange(steps.map((s, j) => (j === i ? next : s)))}
          onRemove={() => onChange(steps.filter((_, j) => j !== i))}
          onMove={(to) => onChange(move(steps, i, to))}
        />
      ))}
      <Group gap="xs">
        {types.length > 1 && (
          <NativeSelect
            aria-label={`New step type in ${listName}`}
            size="xs"
            data={[...types]}
            value={adding}
            onChange={(e) => setAdding(e.currentTarget.value as StepType)}
          />
        )}
        <Button size="xs" variant="light" onClick={() => onChange([...steps, newStep(adding)])}>
          {branch === 'conditions' ? 'Add condition' : 'Add step'}
        </Button>
      </Group>
    </Stack>
  );
}

interface CardProps {
  step: DraftStep;
  index: number;
  count: number;
  path: string;
  types: readonly StepType[];
  errors: FieldErrors;
  groups: Option[];
  onChange: (step: DraftStep) => void;
  onRemove: () => void;
  onMove: (to: number) => void;
}

function StepCard({ step, index, count, path, types, errors, groups, onChange, onRemove, onMove }: CardProps) {
  const set = <K extends keyof DraftStep>(field: K, value: DraftStep[K]) => onChange({ ...step, [field]: value });
  const err = (field: string) => errors[`${path}.${field}`];
  const branch = (b: Branch, title: string, errorKey: string) => (
    <Stack gap={4} pl="md" style={{ borderLeft: '3px solid var(--mantine-color-gray-3)' }}>
      <Text size="sm" fw={600}>
        {title}
      </Text>
      {err(errorKey) && (
        <Text size="xs" c="red">
          {err(errorKey)}
        </Text>
      )}
      <StepList steps={step[b]} onChange={(list) => set(b, list)} parent={path} branch={b} errors={errors} groups={groups} />
    </Stack>
  );
  return (
    <Card withBorder padding="sm" data-step={path} data-step-type={step.type}>
      <Group justify="space-between" align="flex-end">
        <Group gap="xs" align="flex-end">
          <Text fw={700} size="sm">
            {index + 1}.
          </Text>
          <NativeSelect
            label="Type"
            size="xs"
            data={[...types]}
            value={step.type}
            error={err('type')}
            // A new type keeps the paths and options it shares with the old one.
            onChange={(e) => {
              const type = e.currentTarget.value as StepType;
              onChange({ ...step, type, conditions: type === 'IF' && !step.conditions.length ? newStep('IF').conditions : step.conditions });
            }}
          />
          <Checkbox size="xs" label="Failure ends the task" checked={step.block} onChange={(e) => set('block', e.currentTarget.checked)} />
        </Group>
        <Group gap={4}>
          <ActionIcon variant="subtle" aria-label="Move up" disabled={index === 0} onClick={() => onMove(index - 1)}>
            ↑
          </ActionIcon>
          <ActionIcon variant="subtle" aria-label="Move down" disabled={index === count - 1} onClick={() => onMove(index + 1)}>
            ↓
          </ActionIcon>
          <ActionIcon variant="subtle" color="red" aria-label="Remove step" onClick={onRemove}>
            ✕
          </ActionIcon>
        </Group>
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        {STEP_HELP[step.type]}
      </Text>
      <Group gap="xs" mt="xs" align="flex-start">
        {STEP_OPTIONS[step.type].map((field) => (
          <OptionInput key={field} field={field} step={step} error={err(field)} groups={groups} set={set} />
        ))}
        <NumberInput
          size="xs"
          w={110}
          label="Attempts"
          placeholder="4"
          min={0}
          value={step.retryTimes ?? ''}
          error={err('retryTimes')}
          onChange={(v) => set('retryTimes', numberOrNull(v))}
        />
        <NumberInput
          size="xs"
          w={130}
          label="Between attempts (s)"
          placeholder="20"
          min={0}
          value={step.retryInterval ?? ''}
          error={err('retryInterval')}
          onChange={(v) => set('retryInterval', numberOrNull(v))}
        />
      </Group>
      {step.type === 'IF' && (
        <Stack gap="xs" mt="sm">
          {branch('conditions', 'Conditions (all must hold)', 'conditions')}
          {branch('whenTrue', 'When true', 'true')}
          {branch('whenFalse', 'When false', 'false')}
        </Stack>
      )}
    </Card>
  );
}

function OptionInput({
  field,
  step,
  error,
  groups,
  set,
}: {
  field: OptionField;
  step: DraftStep;
  error?: string;
  groups: Option[];
  set: <K extends keyof DraftStep>(field: K, value: DraftStep[K]) => void;
}) {
  const label = LABELS[field];
  switch (field) {
    case 'filePath':
    case 'targetFilePath':
      return <TextInput size="xs" w={260} label={label} value={step[field]} error={error} onChange={(e) => set(field, e.currentTarget.value)} />;
    case 'createFilePath':
    case 'ignoreHiddenFile':
    case 'compressFile':
      return <Checkbox size="xs" mt={24} label={label} checked={step[field]} error={error} onChange={(e) => set(field, e.currentTarget.checked)} />;
    case 'overWrite':
      return (
        <NativeSelect
          size="xs"
          label={label}
          data={[{ value: '', label: 'default (OVERWRITE)' }, ...OVERWRITE_MODES]}
          value={step.overWrite ?? ''}
          error={error}
          onChange={(e) => set('overWrite', e.currentTarget.value || null)}
        />
      );
    case 'interval':
    case 'timeOut':
    case 'duration':
      // The gateway's bounds: a polling interval and a run bound of at least 1, a time-out of 0 or more.
      return (
        <NumberInput
          size="xs"
          w={150}
          label={label}
          min={field === 'timeOut' ? 0 : 1}
          value={step[field] ?? ''}
          error={error}
          onChange={(v) => set(field, numberOrNull(v))}
        />
      );
    case 'groups':
      return (
        <MultiSelect
          size="xs"
          w={260}
          label={label}
          data={groups}
          value={step.groups.map(String)}
          error={error}
          searchable
          onChange={(v) => set('groups', v.map(Number))}
        />
      );
  }
}

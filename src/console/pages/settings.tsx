import { Alert, Button, Card, Checkbox, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { Pending } from '../ui';

const SETTINGS = `query Settings { settings {
  general { adminTimeOut communicationServerTimeZone managementServerTimeZone region }
  job { enable maxConcurrentSession maxRetried retryWait }
  task { disableValidation enable priority }
  client { autoEnableNewClient }
  files { maxAgeDays maxTotalBytes partialGraceHours }
} }`;

type Kind = 'int' | 'text' | 'bool';
interface Section {
  key: 'general' | 'job' | 'task' | 'client' | 'files';
  title: string;
  /** The mutation that merges the section's changed fields (docs/graphql.md). */
  mutation: string;
  input: string;
  fields: [name: string, kind: Kind][];
}

const SECTIONS: Section[] = [
  {
    key: 'general',
    title: 'General',
    mutation: 'updateGeneralSettings',
    input: 'GeneralSettingsInput',
    fields: [
      ['adminTimeOut', 'int'],
      ['managementServerTimeZone', 'text'],
      ['communicationServerTimeZone', 'text'],
      ['region', 'text'],
    ],
  },
  {
    key: 'job',
    title: 'Jobs (enable: the scheduler)',
    mutation: 'updateJobSettings',
    input: 'JobSettingsInput',
    fields: [
      ['enable', 'bool'],
      ['maxConcurrentSession', 'int'],
      ['maxRetried', 'int'],
      ['retryWait', 'int'],
    ],
  },
  {
    key: 'task',
    title: 'Tasks',
    mutation: 'updateTaskSettings',
    input: 'TaskSettingsInput',
    fields: [
      ['enable', 'bool'],
      ['disableValidation', 'bool'],
      ['priority', 'int'],
    ],
  },
  { key: 'client', title: 'Clients', mutation: 'updateClientSettings', input: 'ClientSettingsInput', fields: [['autoEnableNewClient', 'bool']] },
  {
    key: 'files',
    title: 'File store',
    mutation: 'updateFileStoreSettings',
    input: 'FileStoreSettingsInput',
    fields: [
      ['maxAgeDays', 'int'],
      ['maxTotalBytes', 'int'],
      ['partialGraceHours', 'int'],
    ],
  },
];

type Values = Record<string, string | number | boolean>;

/** Every settings section, each its own form: saving sends only the fields changed, and the API's refusal lands on the input it names. */
export function SettingsPage() {
  const [result, refetch] = useQuery({ query: SETTINGS });
  const settings = result.data?.settings as Record<string, Values> | undefined;
  return (
    <Stack>
      <Title order={3}>Settings</Title>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {settings && (
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          {SECTIONS.map((s) => (
            <SectionForm key={s.key} section={s} saved={settings[s.key]} onSaved={() => refetch({ requestPolicy: 'network-only' })} />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}

function SectionForm({ section, saved, onSaved }: { section: Section; saved: Values; onSaved: () => void }) {
  const [draft, setDraft] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(section.fields.map(([name, kind]) => [name, kind === 'bool' ? Boolean(saved[name]) : String(saved[name])])),
  );
  const [state, save] = useMutation(
    `mutation Save($input: ${section.input}!) { ${section.mutation}(input: $input) { ${section.fields.map(([n]) => n).join(' ')} } }`,
  );
  const [done, setDone] = useState(false);
  const [local, setLocal] = useState<Record<string, string>>({});
  const errors = { ...fieldErrors(state.error), ...local };
  const named = section.fields.some(([n]) => errors[n]);
  const changed = section.fields.filter(([name, kind]) => (kind === 'bool' ? draft[name] !== saved[name] : draft[name] !== String(saved[name])));
  const submit = async () => {
    setDone(false);
    // Text that is no whole number cannot travel as an Int: say so on its input instead of sending it.
    const notNumbers = changed.filter(([name, kind]) => kind === 'int' && toNumber(draft[name] as string) === null);
    setLocal(Object.fromEntries(notNumbers.map(([name]) => [name, `${name}: expected a whole number`])));
    if (notNumbers.length) return;
    const input = Object.fromEntries(changed.map(([name, kind]) => [name, kind === 'int' ? toNumber(draft[name] as string) : draft[name]]));
    const res = await save({ input });
    if (!res.error) {
      setDone(true);
      onSaved();
    }
  };
  return (
    <Card withBorder data-settings={section.key}>
      <Text fw={600}>{section.title}</Text>
      <Stack gap={6}>
        {section.fields.map(([name, kind]) =>
          kind === 'bool' ? (
            <Checkbox
              key={name}
              label={name}
              checked={Boolean(draft[name])}
              error={errors[name]}
              onChange={(e) => setDraft({ ...draft, [name]: e.currentTarget.checked })}
            />
          ) : (
            <TextInput
              key={name}
              size="xs"
              label={name}
              value={String(draft[name])}
              error={errors[name]}
              onChange={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
            />
          ),
        )}
      </Stack>
      <Button mt="xs" size="xs" disabled={!changed.length} loading={state.fetching} onClick={() => void submit()}>
        Save {section.title.split(' (')[0].toLowerCase()}
      </Button>
      {done && (
        <Text size="xs" c="green" data-saved={section.key}>
          Saved.
        </Text>
      )}
      {state.error && !named && <Alert color="red">{errorText(state.error)}</Alert>}
    </Card>
  );
}

/** The whole number typed, or null for text that is none. */
function toNumber(text: string): number | null {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(n) ? n : null;
}

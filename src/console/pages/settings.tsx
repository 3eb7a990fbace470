import { Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from 'urql';
import { Pending } from '../ui';

const SETTINGS = `query Settings { settings {
  general { adminTimeOut communicationServerTimeZone managementServerTimeZone region }
  job { enable maxConcurrentSession maxRetried retryWait }
  task { disableValidation enable priority }
  client { autoEnableNewClient }
  files { maxAgeDays maxTotalBytes partialGraceHours }
} }`;

const SECTIONS: [key: string, title: string][] = [
  ['general', 'General'],
  ['job', 'Jobs (enable: the scheduler)'],
  ['task', 'Tasks'],
  ['client', 'Clients'],
  ['files', 'File store'],
];

/** Every settings section as the gateway holds it (read-only in this version; change them through GraphQL or /v1/settings). */
export function SettingsPage() {
  const [result] = useQuery({ query: SETTINGS });
  const settings = result.data?.settings as Record<string, Record<string, unknown>> | undefined;
  return (
    <Stack>
      <Title order={3}>Settings</Title>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {settings && (
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          {SECTIONS.map(([key, title]) => (
            <Card key={key} withBorder data-settings={key}>
              <Text fw={600}>{title}</Text>
              <Table>
                <Table.Tbody>
                  {Object.entries(settings[key])
                    .filter(([name]) => name !== '__typename')
                    .map(([name, value]) => (
                      <Table.Tr key={name}>
                        <Table.Td>{name}</Table.Td>
                        <Table.Td>{String(value)}</Table.Td>
                      </Table.Tr>
                    ))}
                </Table.Tbody>
              </Table>
            </Card>
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}

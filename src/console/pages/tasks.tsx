import { Button, Group, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { navigate } from '../router';
import { Link, Pending, StatusBadge, when } from '../ui';

const TASKS = `query Tasks { tasks(pageSize: 200) { nodes { id name enabled priority stepsCount jobsCount lastEditedAt } } }`;
const CREATE = `mutation CreateTask($name: String!) { createTask(input: { name: $name }) { id } }`;

type TaskRow = { id: number; name: string; enabled: boolean; priority: number; stepsCount: number; jobsCount: number; lastEditedAt: string };

/** Every task with its script's size; "New task" creates one and opens its script editor. */
export function TasksPage() {
  const [result] = useQuery({ query: TASKS });
  const [created, create] = useMutation(CREATE);
  const [name, setName] = useState('');
  const tasks: TaskRow[] = result.data?.tasks.nodes ?? [];
  const errors = fieldErrors(created.error);
  return (
    <Stack>
      <Title order={3}>Tasks</Title>
      <Group align="flex-end">
        <TextInput label="New task name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name ?? errorText(created.error)} />
        <Button
          loading={created.fetching}
          onClick={async () => {
            const res = await create({ name });
            if (res.data) navigate(`/tasks/${res.data.createTask.id}`);
          }}
        >
          Create task
        </Button>
      </Group>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Task</Table.Th>
            <Table.Th>Steps</Table.Th>
            <Table.Th>Jobs</Table.Th>
            <Table.Th>Priority</Table.Th>
            <Table.Th>Edited</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tasks.map((t) => (
            <Table.Tr key={t.id} data-task={t.name}>
              <Table.Td>
                <Link to={`/tasks/${t.id}`}>{t.name}</Link> {!t.enabled && <StatusBadge status="DISABLED" />}
              </Table.Td>
              <Table.Td>{t.stepsCount}</Table.Td>
              <Table.Td>{t.jobsCount}</Table.Td>
              <Table.Td>{t.priority}</Table.Td>
              <Table.Td>{when(t.lastEditedAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

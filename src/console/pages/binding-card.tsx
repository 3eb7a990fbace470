import { ActionIcon, Button, Card, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from '../ui';
import { ClientPicker } from './client-picker';

/** One bound object: its name and the page it links to. */
export type Item = { id: number; label: string; to: string };

/** A list of bound objects with remove (and, for ordered lists, move) buttons, and a picker to add one. */
export function BindingCard({
  title,
  kind,
  items,
  options,
  onAdd,
  onRemove,
  onMove,
}: {
  title: string;
  kind: 'task' | 'group' | 'client';
  items: Item[];
  /** What can be added; clients are searched on the gateway instead (there may be thousands). */
  options?: { value: string; label: string }[];
  onAdd: (id: number) => Promise<void>;
  onRemove: (id: number) => Promise<void>;
  onMove?: (from: number, to: number) => Promise<void>;
}) {
  const [picked, setPicked] = useState<string | null>(null);
  return (
    <Card withBorder data-bindings={kind}>
      <Text fw={600}>{title}</Text>
      <Stack gap={2} my="xs">
        {items.length === 0 && (
          <Text size="sm" c="dimmed">
            None
          </Text>
        )}
        {items.map((item, i) => (
          <Group key={item.id} justify="space-between" gap={4} data-bound={item.label}>
            <Text size="sm">
              <Link to={item.to}>{item.label}</Link>
            </Text>
            <Group gap={2}>
              {onMove && (
                <>
                  <ActionIcon size="sm" variant="subtle" aria-label={`Move ${item.label} up`} disabled={i === 0} onClick={() => void onMove(i, i - 1)}>
                    ↑
                  </ActionIcon>
                  <ActionIcon
                    size="sm"
                    variant="subtle"
                    aria-label={`Move ${item.label} down`}
                    disabled={i === items.length - 1}
                    onClick={() => void onMove(i, i + 1)}
                  >
                    ↓
                  </ActionIcon>
                </>
              )}
              <ActionIcon size="sm" variant="subtle" color="red" aria-label={`Remove ${item.label}`} onClick={() => void onRemove(item.id)}>
                ✕
              </ActionIcon>
            </Group>
          </Group>
        ))}
      </Stack>
      <Group gap="xs" align="flex-end">
        {options ? (
          <NativeSelect
            size="xs"
            label={`Add ${kind}`}
            data={[{ value: '', label: options.length ? `Choose a ${kind}` : `No other ${kind}` }, ...options]}
            value={picked ?? ''}
            onChange={(e) => setPicked(e.currentTarget.value || null)}
          />
        ) : (
          <ClientPicker value={picked} onChange={setPicked} />
        )}
        <Button
          size="xs"
          disabled={!picked}
          onClick={async () => {
            await onAdd(Number(picked));
            setPicked(null);
          }}
        >
          Add
        </Button>
      </Group>
    </Card>
  );
}

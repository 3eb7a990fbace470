import { Card, Progress, Stack, Text } from '@mantine/core';
import { useSubscription } from 'urql';

const TRANSFERS = `subscription Transfers($mqttClientId: String) {
  transferProgress(mqttClientId: $mqttClientId) { fileId name mqttClientId direction bytes size rate done at } }`;

export type Transfer = {
  fileId: number;
  name: string;
  mqttClientId: string;
  direction: string;
  bytes: number;
  size: number;
  rate: number;
  done: boolean;
  at: string;
};

/** Files moving between agents and the store now (the transferProgress subscription), the latest event of each file. */
export function LiveTransfers({ mqttClientId }: { mqttClientId?: string }) {
  const [live] = useSubscription<{ transferProgress: Transfer }, Map<number, Transfer>>(
    { query: TRANSFERS, variables: { mqttClientId: mqttClientId ?? null } },
    (acc = new Map(), e) => new Map(acc).set(e.transferProgress.fileId, e.transferProgress),
  );
  const transfers = [...(live.data?.values() ?? [])].reverse();
  return (
    <Card withBorder>
      <Text fw={600}>Transfers, live</Text>
      {transfers.length === 0 && (
        <Text size="sm" c="dimmed">
          None since this page opened.
        </Text>
      )}
      <Stack gap={6}>
        {transfers.slice(0, 20).map((t) => (
          <div key={t.fileId} data-transfer={t.name} data-transfer-done={t.done}>
            <Text size="xs">
              {t.direction === 'UPLOAD' ? `${t.mqttClientId} → store` : `store → ${t.mqttClientId}`}: {t.name} {bytes(t.bytes)} of {bytes(t.size)},{' '}
              {bytes(t.rate)}/s
              {t.done && ' — done'}
            </Text>
            <Progress size="sm" value={t.size ? (100 * t.bytes) / t.size : 100} color={t.done ? 'green' : 'blue'} />
          </div>
        ))}
      </Stack>
    </Card>
  );
}

/** 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

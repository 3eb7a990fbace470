import { Alert, Anchor, Badge, Loader } from '@mantine/core';
import type { CombinedError } from '@urql/core';
import type { ReactNode } from 'react';
import { navigate } from './router';

const STATUS_COLORS: Record<string, string> = {
  SUCCESS: 'green',
  FAILED: 'red',
  RUNNING: 'blue',
  PENDING: 'gray',
  NOT_EXECUTE: 'orange',
  ONLINE: 'green',
  OFFLINE: 'gray',
  DISABLED: 'orange',
  UPCOMING: 'grape',
  COMPLETE: 'green',
  PARTIAL: 'blue',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? 'gray'} variant="light" data-status={status}>
      {status}
    </Badge>
  );
}

/** A link inside the console: a plain href (open in a new tab works) that navigates in place. */
export function Link({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Anchor
      href={to}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </Anchor>
  );
}

/** What a query shows while it has nothing yet: a spinner, or the API's error. */
export function Pending({ fetching, error }: { fetching: boolean; error?: CombinedError }) {
  if (error)
    return (
      <Alert color="red" title="The gateway answered with an error">
        {error.message}
      </Alert>
    );
  return fetching ? <Loader size="sm" /> : null;
}

/** A time in the browser's zone, or in `timeZone` (the management zone, for schedules). */
export function when(iso: string | null | undefined, timeZone?: string): string {
  return iso ? new Date(iso).toLocaleString(undefined, timeZone ? { timeZone, dateStyle: 'medium', timeStyle: 'short' } : {}) : '—';
}

import type { LivePubSub } from '../../live/pubsub';

/** A file's progress is published at most this often (and once more when it is done). */
export const PROGRESS_EVERY_MS = 1_000;

export interface ProgressSubject {
  fileId: number;
  name: string;
  direction: 'UPLOAD' | 'DOWNLOAD';
  mqttClientId: string;
  reportId: string | null;
  size: number;
}

/**
 * TRANSFER_PROGRESS events (GraphQL `transferProgress`) for one file moving one way: throttled to
 * one a second, plus the final one, so a 2 GB file costs a handful of events, not one per chunk.
 */
export function progressOf(pubsub: LivePubSub | undefined, subject: ProgressSubject) {
  const started = Date.now();
  let last = 0;
  let finished = false;
  return {
    update(bytes: number) {
      if (!pubsub || finished) return;
      const now = Date.now();
      const done = bytes >= subject.size;
      if (!done && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      finished = done;
      const seconds = Math.max(0.001, (now - started) / 1000);
      pubsub.publish('TRANSFER_PROGRESS', { ...subject, bytes: Math.min(bytes, subject.size), rate: Math.round(bytes / seconds), done, at: now });
    },
  };
}

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inSeqRanges, type AgentEvent, type AgentEventDraft, type SeqRanges } from '../protocol';
import type { Clock } from '../runtime/clock';

/**
 * The agent's outbox of events not yet acknowledged by a gateway, kept in memory and in
 * `{stateDir}/events.jsonl` so a restarted agent resends them with their original seqs.
 *
 * File format, one JSON object per line (a torn last line after a crash is ignored):
 *   {"stream":"…","nextSeq":42}   header, first line after each compaction
 *   {"e":{…event…}}                an event
 *   {"a":[[1,5],[7,7]]}            seqs acknowledged
 * Lines are written synchronously before the event is published; there is no fsync, so a
 * power cut may lose the last events, which the gateway then sees as a gap (docs/protocol.md).
 */
export interface EventJournal {
  /** Random id of this journal; seqs are unique within it. */
  readonly stream: string;
  /** Numbers, timestamps and persists an event. */
  append(draft: AgentEventDraft): AgentEvent;
  /** Forgets acknowledged events; returns how many were pending. Acks for another stream are ignored. */
  acknowledge(stream: string, ranges: SeqRanges): number;
  /** Unacknowledged events in seq order. */
  pending(): AgentEvent[];
  readonly size: number;
  close(): void;
}

export interface EventJournalOptions {
  stateDir: string;
  clock: Clock;
  /** Rewrite the file once this many ack lines have accumulated. */
  compactEvery?: number;
  /** Oldest events are dropped beyond this many (a gateway gone for days must not fill the disk). */
  maxPending?: number;
  onDrop?: (dropped: AgentEvent) => void;
}

const FILE_NAME = 'events.jsonl';

function readLines(file: string): unknown[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        return []; // a torn write
      }
    });
}

export function openEventJournal({ stateDir, clock, compactEvery = 200, maxPending = 100_000, onDrop }: EventJournalOptions): EventJournal {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, FILE_NAME);
  const events = new Map<number, AgentEvent>();
  let stream: string | undefined;
  let nextSeq = 1;

  for (const line of readLines(file) as Array<{ stream?: string; nextSeq?: number; e?: AgentEvent; a?: SeqRanges }>) {
    if (typeof line.stream === 'string') {
      stream = line.stream;
      nextSeq = Math.max(nextSeq, Number(line.nextSeq) || 1);
    } else if (line.e && Number.isInteger(line.e.seq)) {
      events.set(line.e.seq, line.e);
      nextSeq = Math.max(nextSeq, line.e.seq + 1);
    } else if (Array.isArray(line.a)) {
      for (const seq of [...events.keys()]) if (inSeqRanges(seq, line.a)) events.delete(seq);
    }
  }
  const streamId = stream ?? randomUUID();
  let fd = -1;
  let ackLines = 0;

  const compact = () => {
    if (fd >= 0) fs.closeSync(fd);
    const temporary = `${file}.tmp`;
    const lines = [JSON.stringify({ stream: streamId, nextSeq }), ...[...events.values()].map((e) => JSON.stringify({ e }))];
    fs.writeFileSync(temporary, `${lines.join('\n')}\n`);
    fs.renameSync(temporary, file);
    fd = fs.openSync(file, 'a');
    ackLines = 0;
  };
  compact();

  const write = (line: object) => fs.writeSync(fd, `${JSON.stringify(line)}\n`);

  return {
    stream: streamId,
    append(draft) {
      const event = { ...draft, seq: nextSeq++, at: clock.now().getTime() } as AgentEvent;
      events.set(event.seq, event);
      write({ e: event });
      while (events.size > maxPending) {
        const oldest = events.keys().next().value as number;
        onDrop?.(events.get(oldest) as AgentEvent);
        events.delete(oldest);
      }
      return event;
    },
    acknowledge(ackStream, ranges) {
      if (ackStream !== streamId || ranges.length === 0) return 0;
      let removed = 0;
      for (const seq of [...events.keys()]) {
        if (inSeqRanges(seq, ranges)) {
          events.delete(seq);
          removed += 1;
        }
      }
      if (removed === 0) return 0;
      write({ a: ranges });
      ackLines += 1;
      if (ackLines >= compactEvery || events.size === 0) compact();
      return removed;
    },
    pending: () => [...events.values()].sort((a, b) => a.seq - b.seq),
    get size() {
      return events.size;
    },
    close() {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
    },
  };
}

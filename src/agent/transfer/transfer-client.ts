import { randomUUID } from 'node:crypto';
import {
  type ChunkWithRoom,
  parseSessionChunk,
  parseTransferDown,
  PROTOCOL_VERSION,
  type TransferDown,
  type TransferFrame,
  type TransferRequestDraft,
  type TransferUp,
  type TransferUpDraft,
} from '../../protocol';
import type { Logger } from '../../runtime/logger';
import type { Clock } from '../../runtime/clock';
import type { PathGuard } from '../path-guard';

type Frame = TransferFrame<TransferDown>;
/** A chunk its sender published on the file's session topic (§12.2): not sealed for this agent, checked against the offer. */
export type SessionChunk = Extract<TransferUp, { kind: 'upload.chunk' }>;
/** What a file's queue gets: frames from transfer-down (or a broadcast topic), and chunks from its session topic. */
export type FollowedFrame = TransferFrame<TransferDown | SessionChunk>;

/** Frames of one file (acks, chunks), taken one at a time by the code that moves it. */
export interface FrameQueue {
  /** The next frame, or undefined after `timeoutMs` without one. Rejects when `signal` aborts. */
  next(timeoutMs: number, signal: AbortSignal): Promise<FollowedFrame | undefined>;
  close(): void;
}

export interface TransferClient {
  /**
   * Sends a request and resolves with the answer of the same `requestId` (a new one unless given:
   * a request asked again keeps its id, so an answer pushed late still finds it), or undefined after `timeoutMs`.
   */
  request(header: TransferRequestDraft, timeoutMs: number, signal: AbortSignal, requestId?: string): Promise<Frame | undefined>;
  /**
   * Publishes on the agent's transfer-up, or on `topic` (an upload's session topic, §12.2), at
   * QoS 1 unless `qos` says 0 (the chunks on a session topic: the gateway's acks already confirm
   * them end to end, §12.3).
   */
  send(header: TransferUpDraft, body?: Buffer | ChunkWithRoom, topic?: string, qos?: 0 | 1): void;
  /** Waits up to `timeoutMs` for a frame the gateway pushes with this `requestId` (a later answer to the same request). */
  awaitPush(requestId: string, timeoutMs: number, signal: AbortSignal): Promise<Frame | undefined>;
  /** Frames about `fileId` (upload acks, fetch data) go to the returned queue until it is closed. */
  follow(fileId: number): FrameQueue;
  /** Offers pushed by the gateway without a request (BROADCAST deliveries). */
  onOffer?: (frame: Frame) => void;
  /** Operators' requests about the agent's folders (remote.list, remote.fetch). */
  onRemote?: (frame: Frame) => void;
  /** Listens to / leaves a BROADCAST topic (§12.6); its frames arrive through receive(). */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): void;
  /** A message arrived on the agent's transfer-down (or a broadcast topic it listens to). */
  receive(payload: Buffer): void;
  /** A message arrived on a file's session topic it listens to: an upload.chunk goes to the queue of its file. */
  receiveSession(topicFileId: number, payload: Buffer): void;
}

/** Frames a file's queue holds before the chunks of a session topic are dropped (64 MiB of 256 KiB chunks at most). */
export const MAX_QUEUED_STREAM_FRAMES = 256;

/** What the agent's handlers of unasked transfer work (deliveries, remote folders) run with; `signal` aborts when the agent stops. */
export interface UnaskedWorkOptions {
  client: TransferClient;
  paths: PathGuard;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}

/**
 * The agent's end of the transfer sub-protocol (docs/protocol.md §12): publishes frames on its
 * transfer-up, and routes what comes back on transfer-down by `requestId` (answers) or `fileId`
 * (acks, chunks). A malformed frame is logged and dropped.
 */
export function createTransferClient({
  publish,
  logger,
  subscribe = async () => undefined,
  unsubscribe = () => undefined,
}: {
  /** Sends one frame (its header and body) on the agent's transfer-up, or on `topic`, at `qos` (1 by default). */
  publish: (header: object, body?: Buffer | ChunkWithRoom, topic?: string, qos?: 0 | 1) => void;
  logger: Logger;
  subscribe?: (topic: string) => Promise<void>;
  unsubscribe?: (topic: string) => void;
}): TransferClient {
  const pending = new Map<string, (frame: Frame) => void>();
  const followers = new Map<number, (frame: FollowedFrame) => void>();

  /** Resolves with the next frame of `requestId` (after `start` sent the request, if any), or undefined after `timeoutMs`. */
  function answerTo(requestId: string, timeoutMs: number, signal: AbortSignal, start?: () => void): Promise<Frame | undefined> {
    return new Promise<Frame | undefined>((resolve, reject) => {
      const done = (frame: Frame | undefined, error?: unknown) => {
        clearTimeout(timer);
        pending.delete(requestId);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(frame);
      };
      const onAbort = () => done(undefined, signal.reason ?? new Error('aborted'));
      const timer = setTimeout(() => done(undefined), timeoutMs);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort);
      pending.set(requestId, (frame) => done(frame));
      start?.();
    });
  }

  const client: TransferClient = {
    subscribe,
    unsubscribe,
    send(header, body, topic, qos) {
      publish({ v: PROTOCOL_VERSION, ...header }, body, topic, qos);
    },
    request(header, timeoutMs, signal, requestId = randomUUID()) {
      return answerTo(requestId, timeoutMs, signal, () => client.send({ ...header, requestId } as TransferUpDraft));
    },
    awaitPush: (requestId, timeoutMs, signal) => answerTo(requestId, timeoutMs, signal),
    follow(fileId) {
      const frames: FollowedFrame[] = [];
      let wake: (() => void) | undefined;
      followers.set(fileId, (frame) => {
        // A topic this agent cannot keep up with (it does not pace it) is cut, not buffered without
        // bound: the chunks dropped here are pulled afterwards, a window at a time.
        if (frame.header.kind === 'upload.chunk' && frames.length >= MAX_QUEUED_STREAM_FRAMES) return;
        frames.push(frame);
        wake?.();
      });
      return {
        async next(timeoutMs, signal) {
          signal.throwIfAborted();
          if (!frames.length) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(finish, timeoutMs);
              function finish() {
                clearTimeout(timer);
                signal.removeEventListener('abort', finish);
                wake = undefined;
                resolve();
              }
              wake = finish;
              signal.addEventListener('abort', finish);
            });
            signal.throwIfAborted();
          }
          return frames.shift();
        },
        close: () => void followers.delete(fileId),
      };
    },
    receive(payload) {
      const parsed = parseTransferDown(payload);
      if (!parsed.ok) return void logger.warn({ error: parsed.error, bytes: payload.length }, 'malformed transfer frame dropped');
      const frame = parsed.value;
      const { header } = frame;
      if ('requestId' in header && pending.has(header.requestId)) return pending.get(header.requestId)!(frame);
      if ('fileId' in header && followers.has(header.fileId)) return followers.get(header.fileId)!(frame);
      if (header.kind === 'deliver.offer' && client.onOffer) return client.onOffer(frame);
      if ((header.kind === 'remote.list' || header.kind === 'remote.fetch') && client.onRemote) return client.onRemote(frame);
      logger.debug({ kind: header.kind }, 'transfer frame nobody waits for: dropped');
    },
    receiveSession(topicFileId, payload) {
      const parsed = parseSessionChunk(payload);
      if (!parsed.ok) return void logger.warn({ error: parsed.error, bytes: payload.length }, 'malformed session frame dropped');
      // A chunk of another file than its topic's is not the one this agent was offered.
      if (parsed.value.header.fileId !== topicFileId)
        return void logger.warn({ fileId: parsed.value.header.fileId, topicFileId }, 'session frame of another file dropped');
      followers.get(topicFileId)?.(parsed.value);
    },
  };
  return client;
}

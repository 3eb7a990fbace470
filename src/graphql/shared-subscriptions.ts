import { subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import type { Actor } from '../auth/actor';
import { visibilityScope } from '../auth/operation';

/**
 * What makes two subscriptions the same: the document's text, the operation, the variables and
 * what the caller may see. Two subscribers with the same key get the same answer to every event.
 */
export function sharedSubscriptionKey(
  actor: Actor,
  { query, operationName, variables }: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
): string {
  return [visibilityScope(actor), operationName ?? '', JSON.stringify(variables ?? null), query].join('\n');
}

/** One subscription of one socket: where its events go. */
export interface SharedSubscriber {
  socket: WebSocket;
  /** The id the client gave its `subscribe` message; every `next` frame names it. */
  id: string;
  /** `sharedSubscriptionKey` of the subscription. */
  key: string;
}

export interface SharedSubscriptionsOptions {
  /**
   * Turns an event's result into the JSON text of a `next` payload, once per event for every
   * subscriber of the group: errors masked and the answer-size cap applied there.
   */
  serialize: (result: ExecutionResult) => string;
  /**
   * Bytes a socket may have unsent (its `bufferedAmount`) before new frames are dropped for it:
   * a slow client loses events, not the gateway.
   */
  maxPendingBytes: number;
}

export interface SharedSubscriptions {
  /**
   * graphql-ws's `subscribe` for one subscriber: joins the group of identical subscriptions, or
   * starts it (graphql-js `subscribe` with this subscriber's arguments). Answers the source's
   * error result as graphql-js does, or an iterator that graphql-ws holds while the subscription
   * lasts; its `return` (the client's `complete`, a closed socket) leaves the group.
   */
  subscribe(args: ExecutionArgs, subscriber: SharedSubscriber): Promise<ExecutionResult | AsyncGenerator<ExecutionResult>>;
  /** Groups running and subscribers in them (for tests and the bench). */
  stats(): { groups: number; subscribers: number };
}

interface Member {
  socket: WebSocket;
  /** `{"id":"…","type":"next","payload":` — the frame up to the shared payload. */
  prefix: string;
  /** Leaves the group; with an error, graphql-ws answers it to the client as the subscription's end. */
  leave: (error?: unknown) => void;
}

interface Group {
  members: Set<Member>;
  /** The source stream, or graphql-js's answer when the subscription could not start. */
  source: Promise<ExecutionResult | AsyncGenerator<ExecutionResult>>;
}

/**
 * Live events executed once per distinct subscription rather than once per subscriber (issue
 * 12). Subscribers with the same key share one graphql-js subscription, started with the first
 * one's arguments (its context stands for every actor of its scope); each event is executed and
 * serialised once, and the same payload text goes into every member's frame, written straight to
 * its WebSocket. graphql-ws still owns the protocol around it: `subscribe`, `complete`, errors,
 * closing and the per-socket operation limit.
 */
export function createSharedSubscriptions({ serialize, maxPendingBytes }: SharedSubscriptionsOptions): SharedSubscriptions {
  const groups = new Map<string, Group>();

  function broadcast(group: Group, result: ExecutionResult): void {
    const payload = serialize(result);
    for (const member of group.members) {
      const { socket } = member;
      // Synchronous work only, and no callback per frame: the socket's own buffer tells what is unsent.
      if (socket.readyState !== socket.OPEN || socket.bufferedAmount > maxPendingBytes) continue;
      socket.send(`${member.prefix}${payload}}`);
    }
  }

  async function pump(key: string, group: Group, source: AsyncGenerator<ExecutionResult>): Promise<void> {
    let failure: unknown;
    try {
      for await (const result of source) broadcast(group, result);
    } catch (err) {
      failure = err;
    } finally {
      if (groups.get(key) === group) groups.delete(key);
      for (const member of group.members) member.leave(failure);
    }
  }

  function start(key: string, args: ExecutionArgs): Group {
    const group: Group = { members: new Set(), source: Promise.resolve(subscribe(args)) };
    groups.set(key, group);
    void group.source.then(
      (source) => {
        if (Symbol.asyncIterator in source) return pump(key, group, source);
        if (groups.get(key) === group) groups.delete(key);
      },
      () => groups.get(key) === group && groups.delete(key),
    );
    return group;
  }

  return {
    async subscribe(args, { socket, id, key }) {
      const group = groups.get(key) ?? start(key, args);
      let ended!: (error?: unknown) => void;
      const done = new Promise<IteratorResult<ExecutionResult>>(
        (resolve, reject) => (ended = (error) => (error === undefined ? resolve({ done: true, value: undefined }) : reject(error))),
      );
      // Nobody awaits `done` once graphql-ws has returned the iterator itself.
      done.catch(() => undefined);
      const member: Member = {
        socket,
        prefix: `{"id":${JSON.stringify(id)},"type":"next","payload":`,
        leave(error) {
          group.members.delete(member);
          ended(error);
          // The last subscriber gone: end the shared source (and its pub/sub subscription).
          if (!group.members.size && groups.get(key) === group) {
            groups.delete(key);
            void group.source.then((source) => {
              if (Symbol.asyncIterator in source) void source.return(undefined);
            });
          }
        },
      };
      group.members.add(member);
      const source = await group.source.catch((err: unknown) => {
        group.members.delete(member);
        throw err;
      });
      if (!(Symbol.asyncIterator in source)) {
        group.members.delete(member);
        return source;
      }
      // graphql-ws iterates this until it is done; the frames themselves are sent by `broadcast`.
      const held: AsyncGenerator<ExecutionResult> = {
        next: () => done,
        return: () => (member.leave(), Promise.resolve({ done: true, value: undefined })),
        throw: (err: unknown) => (member.leave(), Promise.reject(err)),
        [Symbol.asyncIterator]() {
          return held;
        },
        [Symbol.asyncDispose]: () => (member.leave(), Promise.resolve()),
      };
      return held;
    },
    stats() {
      let subscribers = 0;
      for (const group of groups.values()) subscribers += group.members.size;
      return { groups: groups.size, subscribers };
    },
  };
}

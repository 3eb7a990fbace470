import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor } from '../auth/actor';
import { sha256 } from '../auth/secrets';
import type { AppError } from '../services/errors';
import { errors } from '../services/errors';
import { unrefSetTimer, type SetTimer } from '../runtime/timers';

/**
 * Admission control (issue 11; docs/graphql.md, "Admission"): each costly request is bounded
 * (src/graphql/cost.ts, the event-loop budget), but several of them at once still fill the event
 * loop, and every other request (/healthz, a console page, MQTT ingestion) waits behind them all.
 * So a request whose estimated cost is over `costlyAbove` takes one of `slots` while it runs
 * and is answered; the others wait for one in a bounded queue, for a bounded time, and are refused
 * RATE_LIMITED (HTTP 429, Retry-After) beyond. Cheaper requests never wait.
 *
 * Both doors use this one rule with the same unit: GraphQL (HTTP and WebSocket) gives its
 * operation's estimated cost, REST its route's (src/rest-compat/route-cost.ts), and both add the
 * size of what the request carries (`inputCost`).
 *
 * A slot that frees goes to the waiting caller that holds the fewest slots (then the earliest),
 * so one caller (a user, an API key, an address) may use every slot while nobody else needs one,
 * but cannot keep another caller waiting behind all of its own requests.
 *
 * A caller whose share of the queue is full is refused everything it sends with the same
 * credential, before its request is even read (`gate`): a client that does not wait for
 * Retry-After would otherwise keep the loop busy parsing requests only to refuse them.
 *
 * A maintained library was considered: p-limit and p-queue bound concurrency but neither bounds
 * its queue per caller nor shares slots fairly between callers; this is the small part that does.
 */
export interface AdmissionLimits {
  /** SDES_ADMISSION_COSTLY_ABOVE: a request whose estimated cost is over this takes a slot. Default 2,000. */
  costlyAbove: number;
  /** SDES_ADMISSION_SLOTS: costly requests running at once. Default 1 (docs/graphql.md, Admission, says why). */
  slots: number;
  /** SDES_ADMISSION_QUEUE: costly requests waiting for a slot, all callers together. Default 32. */
  maxQueued: number;
  /** SDES_ADMISSION_QUEUE_PER_CALLER: of them, from one caller. Default 8. */
  maxQueuedPerCaller: number;
  /** SDES_ADMISSION_WAIT_MS: the longest a request waits for a slot. Default 10,000. */
  maxWaitMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { costlyAbove: 2_000, slots: 1, maxQueued: 32, maxQueuedPerCaller: 8, maxWaitMs: 10_000 };

/** Environment variable of each limit, for configuration and for the messages of refusals. */
export const ADMISSION_ENV: Record<keyof AdmissionLimits, string> = {
  costlyAbove: 'SDES_ADMISSION_COSTLY_ABOVE',
  slots: 'SDES_ADMISSION_SLOTS',
  maxQueued: 'SDES_ADMISSION_QUEUE',
  maxQueuedPerCaller: 'SDES_ADMISSION_QUEUE_PER_CALLER',
  maxWaitMs: 'SDES_ADMISSION_WAIT_MS',
};

/** Bytes of a request body or document that cost one unit: parsing, validating and storing them (a 2,000-step script of ~90 KB is about 9,000). */
export const INPUT_BYTES_PER_UNIT = 10;

/** What the bytes a request carries (body, document, variables) add to its estimated cost. */
export function inputCost(bytes: number): number {
  return Math.ceil(Math.max(0, bytes) / INPUT_BYTES_PER_UNIT);
}

/** Who shares slots fairly: a user (whatever the session), an API key, else the address. */
export function callerOf(actor: Actor | undefined): string {
  switch (actor?.kind) {
    case 'user':
      return `user:${actor.userId}`;
    case 'apikey':
      return `apikey:${actor.apiKeyId}`;
    case 'cli':
      return `cli:${actor.name}`;
    default:
      return `address:${actor?.address ?? 'unknown'}`;
  }
}

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

export interface AdmissionRequest {
  /** `callerOf(actor)`. */
  caller: string;
  /** The estimated cost, input included (`inputCost`). */
  cost: number;
  /** Aborted while waiting (the client went away): the request leaves the queue. */
  signal?: AbortSignal;
  /** `credentialOf(req)`: remembered with its caller, so that `gate` knows whose the next request is. */
  credential?: string;
}

export interface Admission {
  readonly limits: AdmissionLimits;
  /**
   * Resolves once the request may run: at once when it is not costly or a slot is free, else when
   * a slot comes to it. Rejects with RATE_LIMITED (AppError, `retryAfterSeconds`) when the queue,
   * or the caller's share of it, is full, or after `maxWaitMs`. Call the release when the answer
   * has been sent.
   */
  admit(request: AdmissionRequest): Promise<Release>;
  /**
   * The refusal of a request sent with `credential` (`credentialOf`) while its caller's share of
   * the queue is full, whatever the request (nothing of it is read); null otherwise.
   */
  gate(credential: string | undefined): AppError | null;
  /** Costly requests running and waiting now. */
  stats(): { running: number; queued: number };
}

/** How many credentials `gate` remembers the caller of (forgotten all at once beyond it). */
const REMEMBERED_CREDENTIALS = 10_000;

/** The request's credential (its Authorization header) as a digest: the key `gate` knows callers by. */
export function credentialOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header ? sha256(header) : undefined;
}

interface Waiter {
  caller: string;
  resolve: (release: Release) => void;
  reject: (err: Error) => void;
  cancelTimer: () => void;
  removeAbort: () => void;
}

const NOTHING_TO_RELEASE: Release = () => undefined;

/** The admission of one gateway process (its event loop is what the slots protect). */
export function createAdmission({ limits: given = {}, setTimer = unrefSetTimer }: { limits?: Partial<AdmissionLimits>; setTimer?: SetTimer } = {}): Admission {
  const limits: AdmissionLimits = { ...DEFAULT_ADMISSION_LIMITS, ...given };
  const { costlyAbove, slots, maxQueued, maxQueuedPerCaller, maxWaitMs } = limits;
  const runningOf = new Map<string, number>();
  let running = 0;
  const queue: Waiter[] = [];
  // A slot is usually free again within a second (each costly request is bounded, see above).
  const retryAfterSeconds = Math.max(1, Math.ceil(Math.min(maxWaitMs, 5_000) / 1000));

  const take = (caller: string): Release => {
    running++;
    runningOf.set(caller, (runningOf.get(caller) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      running--;
      const left = runningOf.get(caller)! - 1;
      if (left) runningOf.set(caller, left);
      else runningOf.delete(caller);
      next();
    };
  };

  /** The waiter of the caller holding the fewest slots; the earliest among equals. */
  const fairest = (): number => {
    let best = 0;
    for (let i = 1; i < queue.length; i++) if ((runningOf.get(queue[i].caller) ?? 0) < (runningOf.get(queue[best].caller) ?? 0)) best = i;
    return best;
  };

  const leave = (waiter: Waiter) => {
    const at = queue.indexOf(waiter);
    if (at >= 0) queue.splice(at, 1);
    waiter.cancelTimer();
    waiter.removeAbort();
  };

  const next = () => {
    while (running < slots && queue.length) {
      const waiter = queue[fairest()];
      leave(waiter);
      waiter.resolve(take(waiter.caller));
    }
  };

  const refuse = (message: string) => errors.rateLimited(`${message}; try again in ${retryAfterSeconds} s.`, retryAfterSeconds);
  const alike = `a request whose estimated cost is over ${costlyAbove} (${ADMISSION_ENV.costlyAbove}) waits for a slot (${slots} run at once, ${ADMISSION_ENV.slots})`;
  const shareFull = (caller: string): AppError | null => {
    const mine = queue.reduce((n, w) => n + (w.caller === caller ? 1 : 0), 0);
    if (mine < maxQueuedPerCaller) return null;
    return refuse(
      `Too many costly requests of yours at once: ${alike}, and ${mine} of yours already wait, the most one caller may queue (${ADMISSION_ENV.maxQueuedPerCaller}); send them one after another`,
    );
  };
  const callers = new Map<string, string>();

  return {
    limits,
    stats: () => ({ running, queued: queue.length }),
    gate(credential) {
      const caller = credential === undefined ? undefined : callers.get(credential);
      return caller === undefined ? null : shareFull(caller);
    },
    admit({ caller, cost, signal, credential }) {
      if (cost <= costlyAbove) return Promise.resolve(NOTHING_TO_RELEASE);
      if (credential !== undefined && callers.get(credential) !== caller) {
        if (callers.size >= REMEMBERED_CREDENTIALS) callers.clear();
        callers.set(credential, caller);
      }
      if (running < slots) return Promise.resolve(take(caller));
      if (signal?.aborted) return Promise.reject(refuse('The request was abandoned before it could wait for a slot'));
      if (queue.length >= maxQueued) {
        return Promise.reject(
          refuse(`Too many costly requests at once: ${alike}, and ${maxQueued} already wait, the most that may (${ADMISSION_ENV.maxQueued})`),
        );
      }
      const full = shareFull(caller);
      if (full) return Promise.reject(full);
      return new Promise<Release>((resolve, reject) => {
        const waiter: Waiter = { caller, resolve, reject, cancelTimer: () => undefined, removeAbort: () => undefined };
        queue.push(waiter);
        waiter.cancelTimer = setTimer(() => {
          leave(waiter);
          reject(refuse(`The gateway is busy: ${alike}, and none came within ${maxWaitMs} ms, the longest a request waits (${ADMISSION_ENV.maxWaitMs})`));
        }, maxWaitMs);
        if (signal) {
          const onAbort = () => {
            leave(waiter);
            reject(refuse('The request was abandoned while it waited for a slot'));
          };
          signal.addEventListener('abort', onAbort, { once: true });
          waiter.removeAbort = () => signal.removeEventListener('abort', onAbort);
        }
      });
    },
  };
}

/**
 * Admits an HTTP request (both doors): its slot, if it needs one, is given back once the answer has
 * been sent or the connection has closed; a client that goes away while waiting leaves the queue.
 */
export async function admitHttp(admission: Admission, res: ServerResponse, request: Omit<AdmissionRequest, 'signal' | 'credential'>): Promise<void> {
  if (request.cost <= admission.limits.costlyAbove) return;
  const closed = new AbortController();
  const onClose = () => closed.abort();
  // Closed already (the client went away while the request was read or parsed): its 'close' has
  // been emitted, so only this flag tells, and a slot taken now would never be given back.
  if (res.closed) closed.abort();
  else res.once('close', onClose);
  let release: Release;
  try {
    release = await admission.admit({ ...request, signal: closed.signal, credential: credentialOf(res.req) });
  } finally {
    res.off('close', onClose);
  }
  if (closed.signal.aborted || res.closed) release();
  else res.once('close', release);
}

/** Reads the SDES_ADMISSION_* variables (ADMISSION_ENV); a bad value throws a message naming it. */
export function admissionLimitsFromEnv(env: NodeJS.ProcessEnv): AdmissionLimits {
  const read = (key: keyof AdmissionLimits, min: number) => {
    const name = ADMISSION_ENV[key];
    const raw = env[name];
    if (raw === undefined || raw === '') return DEFAULT_ADMISSION_LIMITS[key];
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || !Number.isSafeInteger(value)) throw new Error(`${name}="${raw}": expected an integer from ${min}`);
    return value;
  };
  return {
    costlyAbove: read('costlyAbove', 0),
    slots: read('slots', 1),
    maxQueued: read('maxQueued', 0),
    maxQueuedPerCaller: read('maxQueuedPerCaller', 0),
    maxWaitMs: read('maxWaitMs', 1),
  };
}

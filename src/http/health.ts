import type { Request, Response } from 'express';
import type { MqttClient } from 'mqtt';
import type { Database } from '../runtime/database';

export interface HealthSources {
  db: Database;
  mqtt: MqttClient;
  brokerUrl: string;
  brokerKind: 'embedded' | 'external';
  startedAt: Date;
  probe: DatabaseProbe;
}

export interface DatabaseProbeOptions {
  /** How often the database is asked (`select 1`). */
  everyMs?: number;
  /** A question unanswered this long counts as the database being down. */
  stallMs?: number;
  /** Milliseconds since the epoch; tests pass their own. */
  now?: () => number;
}

export interface DatabaseHealth {
  status: 'up' | 'down';
  /** When the last answer (or failure) came; null before the first. */
  checkedAt: string | null;
  /** How long the last answered question took. */
  latencyMs: number | null;
  reason?: string;
}

/**
 * Asks the database in the background and keeps the answer, so that /healthz answers at once
 * whatever the database is doing: the embedded PGlite runs one statement at a time, so a ping sent
 * with the request would wait behind a long script save and report the load as an outage (or time
 * out the orchestrator's probe). What a probe reports is at most `everyMs` old, and a question left
 * unanswered for `stallMs` reports the database down without waiting for it.
 */
export class DatabaseProbe {
  private readonly everyMs: number;
  private readonly stallMs: number;
  private readonly now: () => number;
  private last: { ok: boolean; at: number; latencyMs: number | null } | undefined;
  private askedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ping: () => Promise<boolean>,
    { everyMs = 1000, stallMs = 5000, now = Date.now }: DatabaseProbeOptions = {},
  ) {
    this.everyMs = everyMs;
    this.stallMs = stallMs;
    this.now = now;
  }

  /** Resolves with the first answer, so that a gateway that has started has a state to report. */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.ask(), this.everyMs);
    this.timer.unref();
    await this.ask();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Asks once unless a question is still out (a slow database is not asked twice over). */
  async ask(): Promise<void> {
    if (this.askedAt !== undefined) return;
    const askedAt = (this.askedAt = this.now());
    const ok = await this.ping().catch(() => false);
    const at = this.now();
    this.last = { ok, at, latencyMs: ok ? at - askedAt : null };
    this.askedAt = undefined;
  }

  /** The state now (down before the first answer; the gateway starts after it). */
  state(): DatabaseHealth {
    const last = this.last ?? { ok: false, at: this.now(), latencyMs: null };
    const checkedAt = new Date(last.at).toISOString();
    const waiting = this.askedAt === undefined ? 0 : this.now() - this.askedAt;
    if (waiting >= this.stallMs) {
      return { status: 'down', checkedAt, latencyMs: last.latencyMs, reason: `no answer to select 1 for ${waiting} ms` };
    }
    if (!last.ok) return { status: 'down', checkedAt, latencyMs: null, reason: 'select 1 failed' };
    return { status: 'up', checkedAt, latencyMs: last.latencyMs };
  }
}

/** GET /healthz: 200 only when both the database and the broker answer. */
export function healthHandler({ db, mqtt, brokerUrl, brokerKind, startedAt, probe }: HealthSources) {
  return (_req: Request, res: Response) => {
    const database = probe.state();
    const dbUp = database.status === 'up';
    const mqttUp = mqtt.connected;
    res.status(dbUp && mqttUp ? 200 : 503).json({
      status: dbUp && mqttUp ? 'ok' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      database: { ...database, kind: db.kind, url: db.displayUrl },
      broker: { status: mqttUp ? 'up' : 'down', kind: brokerKind, url: brokerUrl },
    });
  };
}

import type { FilterQuery } from '@mikro-orm/core';
import { actorName, type Actor } from '../auth/actor';
import { AuditEntry } from '../entities';
import { cleanText } from '../protocol';
import { errors } from './errors';
import type { Page, PageRequest } from './paging';
import { entityPage } from './relation-pages';
import type { ServiceContext } from './service-context';

export const AUDIT_OUTCOMES = ['ok', 'denied', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditRecord {
  action: string;
  outcome: AuditOutcome;
  errorCode?: string;
  detail?: unknown;
}

export interface AuditFilter {
  actor?: string;
  /** An exact action, or a prefix ending in `*` (`auth.*`). */
  action?: string;
  outcome?: string;
  since?: Date;
  until?: Date;
}

/** Field names whose values never reach the log. */
const SECRET_FIELDS = /pass(word)?|secret|token|authorization/i;
const MAX_DETAIL_CHARS = 4000;

// PostgreSQL's jsonb holds neither NUL nor a lone surrogate, and a refused input may well contain
// either: NUL is spelt out, a lone surrogate becomes U+FFFD.
const printable = (text: string) => cleanText(text.split(String.fromCharCode(0)).join('\\u0000'));

/** The input as the log keeps it: secrets replaced by "***", long strings cut, NUL spelt out, the whole bounded. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'string') return printable(value.length > 500 ? `${value.slice(0, 500)}…` : value);
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth > 5) return '…';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [printable(k), SECRET_FIELDS.test(k) ? '***' : redact(v, depth + 1)]));
}

function boundedDetail(detail: unknown): Record<string, unknown> | null {
  if (detail === undefined || detail === null) return null;
  const clean = redact(detail);
  const text = JSON.stringify(clean);
  if (text.length <= MAX_DETAIL_CHARS) return (typeof clean === 'object' && !Array.isArray(clean) ? clean : { value: clean }) as Record<string, unknown>;
  return { truncated: text.slice(0, MAX_DETAIL_CHARS) };
}

/** The audit log: logins, logouts and every change an operator makes (docs/security.md). */
export class AuditService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Appends one entry for `actor` (default: the context's). Written on a fork of its own so that
   * an operation that failed half-way cannot take its audit entry down with it.
   */
  async record(entry: AuditRecord, actor: Actor | undefined = this.ctx.actor): Promise<void> {
    await this.ctx.em.fork().insert(AuditEntry, {
      at: this.ctx.clock.now(),
      actorKind: actor?.kind ?? 'gateway',
      actor: actorName(actor),
      role: actor?.role ?? null,
      address: actor?.address ?? null,
      door: actor?.door ?? 'gateway',
      action: entry.action,
      outcome: entry.outcome,
      errorCode: entry.errorCode ?? null,
      detail: boundedDetail(entry.detail),
    });
  }

  /** Newest first. */
  async list(filter: AuditFilter = {}, page: PageRequest = {}): Promise<Page<AuditEntry>> {
    const where: FilterQuery<AuditEntry> = {};
    if (filter.actor) where.actor = filter.actor;
    if (filter.action) where.action = filter.action.endsWith('*') ? { $like: `${filter.action.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%` } : filter.action;
    if (filter.outcome) {
      if (!(AUDIT_OUTCOMES as readonly string[]).includes(filter.outcome)) throw errors.invalid('outcome', AUDIT_OUTCOMES.join(', '), filter.outcome);
      where.outcome = filter.outcome;
    }
    if (filter.since || filter.until) where.at = { ...(filter.since ? { $gte: filter.since } : {}), ...(filter.until ? { $lt: filter.until } : {}) };
    return entityPage(this.ctx.em, AuditEntry, where, { id: 'desc' }, page);
  }
}

import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Structured JSON lines for services; readable lines when a person watches a terminal
 * (stdout is a TTY) or asks for them with LOG_FORMAT=pretty.
 */
export function createLogger({ name, level = process.env.LOG_LEVEL || 'info' }: { name: string; level?: string }): Logger {
  const pretty = process.env.LOG_FORMAT === 'pretty' || (process.env.LOG_FORMAT !== 'json' && process.stdout.isTTY);
  if (pretty) {
    return pino({ name, level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino({ name, level });
}

/**
 * The agent's logger: readable lines on a terminal, JSON lines otherwise (for log shippers).
 * pino-pretty runs in-process as a stream rather than as a worker transport, so the agent stays
 * one thread.
 */
export function createAgentLogger({
  level = process.env.SDES_LOG_LEVEL ?? 'info',
  pretty: usePretty = Boolean(process.stdout.isTTY),
}: { level?: string; pretty?: boolean } = {}): Logger {
  if (!usePretty) return pino({ level, base: { name: 'sdes-agent' } });
  return pino({ level, base: undefined }, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, sync: true }));
}

/** A logger that drops everything (tests that do not read logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

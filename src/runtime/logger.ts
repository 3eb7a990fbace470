import pino, { type Logger } from 'pino';

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

/** A logger that drops everything (tests that do not read logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Readable lines on a terminal, JSON lines otherwise (for log shippers). pino-pretty runs
 * in-process as a stream rather than as a worker transport, so the agent stays one thread.
 */
export function createAgentLogger({
  level = process.env.SDES_LOG_LEVEL ?? 'info',
  pretty: usePretty = Boolean(process.stdout.isTTY),
}: { level?: string; pretty?: boolean } = {}): Logger {
  if (!usePretty) return pino({ level, base: { name: 'sdes-agent' } });
  return pino({ level, base: undefined }, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, sync: true }));
}

/** A logger that drops everything: the default for embedded use and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

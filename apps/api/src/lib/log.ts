import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** The levels `TRELLIS_LOG_LEVEL` takes (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Secrets never reach a log line: nothing logs request bodies or query strings, and these keys are blanked should
 * an object carrying them ever be logged.
 */
const REDACT = ['password', 'token', 'cardNumber', 'card', 'cvc', 'authorization', 'cookie', 'key'].flatMap((k) => [
  k,
  `*.${k}`,
  `*.*.${k}`,
]);

/** Where a process's log lines go: pretty in a terminal (unless TRELLIS_LOG_FORMAT=json), JSON lines anywhere else. */
export function logDestination(): DestinationStream {
  if (process.stdout.isTTY && process.env.TRELLIS_LOG_FORMAT !== 'json') {
    return pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' });
  }
  return pino.destination({ dest: 1, sync: true });
}

/**
 * A structured (JSON, one object a line) logger for a Trellis process. Under `pnpm start` (a pipe to the supervisor)
 * it writes JSON, which the supervisor pretty-prints when its own output is a terminal; anywhere else (systemd, a
 * container, a file) the lines stay JSON for the log pipeline.
 */
export function createLogger(
  service: string,
  opts: { level?: string | undefined; destination?: DestinationStream } = {},
): Logger {
  const level = (LOG_LEVELS as readonly string[]).includes(opts.level ?? '') ? opts.level! : 'info';
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    opts.destination ?? logDestination(),
  );
}

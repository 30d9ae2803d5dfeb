import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

/** pino's own asynchronous destination (sonic-boom). */
export type LogDestination = ReturnType<typeof pino.destination>;

/**
 * Lines are written in chunks of at least this many bytes (about eight request lines), so a request
 * pays for formatting its line and not for a system call of its own.
 */
const LOG_BUFFER_BYTES = 2048;
/**
 * At most PIPE_BUF bytes per write, always whole lines: a write this small to a pipe or a file is never
 * split, so the lines of several worker processes sharing one stdout never interleave.
 */
const LOG_MAX_WRITE_BYTES = 4096;
/** A quiet process's lines still reach the log within a second. */
const LOG_FLUSH_INTERVAL_MS = 1000;

/**
 * Asynchronous, buffered writes to stdout. What is buffered is written by flushLogs on shutdown and
 * synchronously on a crash (exitOnUncaughtException), and by pino itself when the process exits.
 */
export function createLogDestination(): LogDestination {
  return pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, maxWrite: LOG_MAX_WRITE_BYTES, periodicFlush: LOG_FLUSH_INTERVAL_MS });
}

/**
 * JSON lines. Request logs carry no headers or bodies at all (they hold tokens, PINs and codes); the
 * redact list is the second line of defence for anything logged by hand.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination: DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { service: 'iba-fuse-metrix-api', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'password', '*.password', 'pin', '*.pin', 'member_pin', '*.member_pin', 'secret', '*.secret',
          'token', '*.token', 'code', '*.code', 'authorization', '*.authorization', 'totp_secret', '*.totp_secret',
          'req.headers', 'res.headers',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * The logger for the one line per request, which is built from fixed fields only (request id, method,
 * path with the one-time token replaced, status, time) and so has nothing the redact list could find:
 * the same output, without the redaction pass that took half the line's cost. Anything a handler logs
 * goes through the redacting logger (req.log).
 */
export function requestLineLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}

/** Writes whatever is buffered; resolves once it is written. */
export function flushLogs(destination: LogDestination): Promise<void> {
  return new Promise((resolve) => destination.flush(() => resolve()));
}

/**
 * After an uncaught exception the process is in an unknown state: log it, write the buffered lines
 * synchronously (the lines of the last requests included) and exit non-zero, so the process manager
 * (or the cluster primary) starts a fresh one.
 */
export function exitOnUncaughtException(logger: Logger, destination: LogDestination): void {
  process.on('uncaughtException', (error, origin) => {
    try {
      logger.fatal({ err: error, origin }, 'uncaught exception: exiting');
      destination.flushSync();
    } finally {
      process.exit(1);
    }
  });
}

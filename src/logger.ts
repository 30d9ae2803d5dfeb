import pino, { type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

/**
 * JSON lines on stdout. Request logs carry no headers or bodies at all (they hold tokens, PINs and
 * codes); the redact list is the second line of defence for anything logged by hand.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>): Logger {
  return pino({
    level: config.LOG_LEVEL,
    base: { service: 'iba-fuse-metrix-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'password', '*.password', 'pin', '*.pin', 'member_pin', '*.member_pin', 'secret', '*.secret',
        'token', '*.token', 'code', '*.code', 'authorization', '*.authorization', 'totp_secret', '*.totp_secret',
        'req.headers', 'res.headers',
      ],
      censor: '[redacted]',
    },
  });
}

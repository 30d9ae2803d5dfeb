import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { type Logger, requestLineLogger } from '../logger';
import { clientAddress } from './client-address';

declare module 'http' {
  interface IncomingMessage {
    /** The request id, also returned as X-Request-Id. */
    id?: string;
    /** A logger that stamps every line with this request (made on first use). */
    log?: Logger;
  }
}

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Paths that carry a secret (the one-time flight-time token) are logged without it. */
export function pathForLog(url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  return path.replace(/^\/flight-time\/[^/]+/, '/flight-time/[redacted]');
}

type Level = 'info' | 'warn' | 'error';

/**
 * One JSON line per request ({req: {id, method, path, ip}, res: {statusCode}, responseTime}), with a
 * request id that is also returned as X-Request-Id. `ip` is the client's address (through the proxies
 * TRUST_PROXY names). No headers or bodies, ever. Deliberately small:
 * the per-request child logger is made only when a handler logs, and nothing is built for a line
 * the level filters out, so a check-in does not pay for logging it will not write (the bench
 * measured pino-http at about a sixth of a partner request's CPU at LOG_LEVEL=warn).
 */
export function requestLogging(logger: Logger): RequestHandler {
  const lines = requestLineLogger(logger);
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, id);
    req.id = id;
    const url = req.originalUrl;
    const describe = () => ({ id, method: req.method, path: pathForLog(url), ip: clientAddress(req) });
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, enumerable: false, get: () => (child ??= logger.child({ req: describe() })) });
    const started = performance.now();
    const write = (level: Level, message: string) => {
      if (!lines.isLevelEnabled(level)) return;
      lines[level]({ req: describe(), res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - started) }, message);
    };
    res.once('finish', () => write(res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info', 'request completed'));
    res.once('close', () => {
      if (!res.writableFinished) write('warn', 'request aborted');
    });
    next();
  };
}

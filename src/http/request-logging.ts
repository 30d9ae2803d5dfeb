import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pinoHttp from 'pino-http';
import type { Logger } from '../logger';

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Paths that carry a secret (the one-time flight-time token) are logged without it. */
export function pathForLog(url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  return path.replace(/^\/flight-time\/[^/]+/, '/flight-time/[redacted]');
}

/** One JSON line per request, with a request id that is also returned as X-Request-Id. */
export function requestLogging(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customLogLevel(_req, res, error) {
      if (error || res.statusCode >= 500) return 'error';
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: pathForLog(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    wrapSerializers: true,
  });
}

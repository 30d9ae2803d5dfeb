import { randomUUID } from 'node:crypto';
import { IncomingMessage, type ServerResponse } from 'node:http';
import { type Logger, requestLineLogger } from '../logger';
import { observeHttpRequest } from '../metrics/metrics';
import { type LaneMiddleware, withoutQuery } from './check-in-lane';
import { clientAddress } from './client-address';

const LOG_STATE = Symbol('requestLogState');

declare module 'http' {
  interface IncomingMessage {
    /** The request id, also returned as X-Request-Id. */
    id?: string;
    /** A logger that stamps every line with this request (made on first use; see below). */
    readonly log?: Logger;
    /** What this request's log line needs (see requestLogging). */
    [LOG_STATE]?: RequestLogState;
  }
}

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Paths that carry a secret (the one-time flight-time token) are logged without it. */
export function pathForLog(url: string | undefined): string {
  return withoutQuery(url).replace(/^\/flight-time\/[^/]+/, '/flight-time/[redacted]');
}

type Level = 'info' | 'warn' | 'error';

/** What the request's line and its lazily made child logger need, kept on the request. */
interface RequestLogState {
  logger: Logger;
  lines: Logger;
  startedAt: number;
  /** Taken at the start: once a client has gone, its socket no longer knows the address. */
  ip: string;
  written: boolean;
  child?: Logger;
}

/**
 * `req.log`: a logger that stamps every line with the request, made on first use (most requests never
 * log by hand). A getter on the prototype, defined once, rather than a property defined on each
 * request: that would turn every request object into a slow dictionary-mode object.
 */
Object.defineProperty(IncomingMessage.prototype, 'log', {
  configurable: true,
  get(this: IncomingMessage): Logger | undefined {
    const state = this[LOG_STATE];
    if (!state) return undefined;
    return (state.child ??= state.logger.child({ req: describeRequest(this, state) }));
  },
});

function describeRequest(req: IncomingMessage & { originalUrl?: string }, state: RequestLogState) {
  return { id: req.id, method: req.method, path: pathForLog(req.originalUrl ?? req.url), ip: state.ip };
}

/**
 * One JSON line per request ({req: {id, method, path, ip}, res: {statusCode}, responseTime}), with a
 * request id that is also returned as X-Request-Id, and the request's latency in the metrics. `ip` is
 * the client's address (through the proxies TRUST_PROXY names). No headers or bodies, ever.
 * Deliberately small, as it runs on every check-in: one small object per request, two shared
 * listeners (no wrapper per request as `once` makes), the child logger made only when a handler
 * logs, and nothing built for a line the level filters out.
 */
export function requestLogging(logger: Logger): LaneMiddleware {
  const lines = requestLineLogger(logger);
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, id);
    req.id = id;
    req[LOG_STATE] = { logger, lines, startedAt: performance.now(), ip: clientAddress(req), written: false };
    res.on('finish', requestAnswered);
    // 'close' without 'finish': the client went away before its answer was written
    res.on('close', requestClosed);
    next();
  };
}

function requestAnswered(this: ServerResponse): void {
  const req = this.req;
  const state = req[LOG_STATE];
  if (!state || state.written) return;
  state.written = true;
  const milliseconds = performance.now() - state.startedAt;
  observeHttpRequest(req.route, req.method ?? '', this.statusCode, milliseconds / 1000);
  writeRequestLine(req, state, this.statusCode >= 500 ? 'error' : this.statusCode >= 400 ? 'warn' : 'info', this.statusCode, milliseconds, 'request completed');
}

function requestClosed(this: ServerResponse): void {
  const state = this.req[LOG_STATE];
  if (!state || state.written) return;
  state.written = true;
  writeRequestLine(this.req, state, 'warn', this.statusCode, performance.now() - state.startedAt, 'request aborted');
}

function writeRequestLine(req: IncomingMessage, state: RequestLogState, level: Level, statusCode: number, milliseconds: number, message: string): void {
  if (!state.lines.isLevelEnabled(level)) return;
  state.lines[level]({ req: describeRequest(req, state), res: { statusCode }, responseTime: Math.round(milliseconds) }, message);
}

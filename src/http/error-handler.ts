import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { isDatabaseUnavailableError } from '../db/errors';
import { pathOf } from './check-in-lane';
import { failureBody } from './envelope';
import { HttpError } from './errors';
import { sendJson } from './json-answer';

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Unknown routes: 404 in the route's envelope, never Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(failureBody(req.path, 404, `Route not found: ${req.method} ${req.path}`));
};

/**
 * The one place errors become responses. Expected errors carry their status and message; the
 * database being unreachable is a 503 the client can retry; anything else is logged with its stack
 * and answered with a generic 500, so no stack trace or SQL ever reaches a client. Written for Node's
 * request and response, so the check-in lane (which runs without Express) shares it.
 */
export function errorHandler(error: unknown, req: IncomingMessage, res: ServerResponse, _next: (error?: unknown) => void): void {
  const { status, message, extra, headers } = describe(error);
  if (status >= 500) {
    req.log?.error({ err: error }, status === 503 ? 'database unavailable' : 'unhandled error');
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  // 429 and 503 tell the client when to come back: the error's own figure, or 5 s for a database outage
  const retryAfterSeconds = typeof extra.retryAfterSeconds === 'number' ? Math.ceil(extra.retryAfterSeconds) : status === 503 ? 5 : null;
  if (retryAfterSeconds !== null && (status === 429 || status === 503)) res.setHeader('Retry-After', String(retryAfterSeconds));
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, failureBody((req as { path?: string }).path ?? pathOf(req), status, message, extra), status);
}

interface Described {
  status: number;
  message: string;
  extra: Record<string, unknown>;
  headers: Record<string, string>;
}

function describe(error: unknown): Described {
  if (error instanceof HttpError) return { status: error.status, message: error.message, extra: error.extra, headers: error.headers };
  const known = describeKnown(error);
  return { ...known, extra: {}, headers: {} };
}

function describeKnown(error: unknown): { status: number; message: string } {
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return { status: 400, message: 'Malformed JSON in request body' };
    case 'entity.too.large':
      return { status: 413, message: 'Request body is too large (limit 100 kB)' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, message: 'Unsupported request body encoding' };
    case 'request.aborted':
      return { status: 400, message: 'Request aborted' };
  }
  if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    return { status: parserError.status, message: 'Bad request' };
  }
  if (isDatabaseUnavailableError(error)) {
    return { status: 503, message: 'Service temporarily unavailable, please retry' };
  }
  return { status: 500, message: 'Internal server error' };
}

import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailableError } from '../db/errors';
import { failureBody } from './envelope';
import { HttpError } from './errors';

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
 * and answered with a generic 500, so no stack trace or SQL ever reaches a client.
 */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const { status, message, extra, headers } = describe(error);
  if (status >= 500) {
    req.log?.error({ err: error }, status === 503 ? 'database unavailable' : 'unhandled error');
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  if (status === 429 && typeof extra.retryAfterSeconds === 'number') {
    res.setHeader('Retry-After', String(Math.ceil(extra.retryAfterSeconds)));
  }
  if (status === 503) res.setHeader('Retry-After', '5');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).json(failureBody(req.path, status, message, extra));
};

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

import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { observeHttpRequest } from './metrics';

declare module 'http' {
  interface ServerResponse {
    /** performance.now() when the request reached the app, for the latency histogram. */
    metricsStartedAt?: number;
  }
}

/**
 * Times every request into http_request_duration_seconds. Cheap on purpose (the partner endpoints are
 * the hot path): one number stored on the response and one shared listener, no closure or object per
 * request; the labels come from a cache keyed by the route Express matched.
 */
export const httpMetrics: RequestHandler = (_req, res, next) => {
  res.metricsStartedAt = performance.now();
  res.on('finish', recordFinishedResponse);
  next();
};

function recordFinishedResponse(this: ServerResponse): void {
  const req = this.req as Request;
  const seconds = (performance.now() - (this.metricsStartedAt ?? 0)) / 1000;
  observeHttpRequest(req.route as { path: string } | undefined, req.method, this.statusCode, seconds);
}

import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import type { LaneMiddleware } from './check-in-lane';
import helmet from 'helmet';

type HelmetMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

interface RecordedHeaders {
  set: Map<string, OutgoingHttpHeader>;
  removed: string[];
}

/**
 * helmet's security headers (Content-Security-Policy, Strict-Transport-Security, X-Frame-Options and
 * the rest), computed once. helmet() runs eleven middlewares on every response, and with a fixed
 * configuration they set the same values every time; here they run once at start-up against a
 * recorder, and every response then gets the recorded headers in one step. The same headers with
 * the same values (test/http/security-headers.test.ts compares them with helmet's own).
 */
export function securityHeaders(options?: Parameters<typeof helmet>[0]): LaneMiddleware {
  const { set, removed } = recordHeaders(helmet(options) as HelmetMiddleware);
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    res.setHeaders(set);
    next();
  };
}

/** Runs a header-setting middleware against a stand-in response and keeps what it set and removed. */
function recordHeaders(middleware: HelmetMiddleware): RecordedHeaders {
  const set = new Map<string, OutgoingHttpHeader>();
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: OutgoingHttpHeader) {
      set.set(name, value);
      return recorder;
    },
    removeHeader(name: string) {
      set.delete(name);
      removed.push(name);
    },
  };
  let continued = false;
  middleware({ method: 'GET', url: '/', headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, (error) => {
    if (error) throw error;
    continued = true;
  });
  // a helmet that did anything else (waited, or looked at the request) could not be computed once
  if (!continued) throw new Error('helmet did not finish synchronously: its headers cannot be computed once');
  return { set, removed };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString, type ParsedUrlQuery } from 'node:querystring';
import proxyaddr from 'proxy-addr';

declare module 'http' {
  interface IncomingMessage {
    /** The client's address: Express's getter, or set by the lane from the same TRUST_PROXY rule. */
    ip?: string;
    /** The route that matched, named in the metrics (Express's own, or the lane's). */
    route?: { path: string };
    /** The parsed JSON body (express.json). */
    body?: unknown;
  }
}

/** A lane route: one method and exact path, answered by one handler (which throws HttpError to refuse). */
export interface LaneRoute {
  method: 'GET' | 'POST';
  path: string;
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/** The connect-style middlewares the lane shares with Express (the request line, headers, the JSON parser). */
export type LaneMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
export type LaneErrorHandler = (error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface CheckInLaneOptions {
  routes: readonly LaneRoute[];
  /** Run in this order before the route, as app.use would run them. */
  middlewares: readonly LaneMiddleware[];
  onError: LaneErrorHandler;
  /** Express's compiled TRUST_PROXY rule (`app.get('trust proxy fn')`), so req.ip is what Express would say. */
  trustProxy: (address: string, hop: number) => boolean;
}

/**
 * The check-in routes, served on Node's own request and response objects ahead of Express. Express
 * gives every request and response its own prototypes (Object.setPrototypeOf in app.handle), and
 * that alone cost a check-in more CPU than its HMAC check, PIN read and answer together: V8's
 * inline caches in node:http, mysql2 and our middlewares then see two shapes of every object
 * (bench/README.md). The lane runs the same middlewares in the same order and the same error handler,
 * and matches paths as Express's router does (case-insensitive, an optional trailing slash; HEAD as
 * GET). Everything else (another method, another path) goes to Express: `serve` answers false.
 */
export function checkInLane({ routes, middlewares, onError, trustProxy }: CheckInLaneOptions) {
  const byMethod = new Map<string, Map<string, LaneRoute>>();
  const add = (method: string, route: LaneRoute) => {
    const paths = byMethod.get(method) ?? new Map<string, LaneRoute>();
    paths.set(route.path.toLowerCase(), route);
    byMethod.set(method, paths);
  };
  for (const route of routes) {
    add(route.method, route);
    if (route.method === 'GET') add('HEAD', route);
  }

  return function serve(req: IncomingMessage, res: ServerResponse): boolean {
    const paths = byMethod.get(req.method ?? '');
    const route = paths?.get(routePath(req.url));
    if (!route) return false;
    req.ip = proxyaddr(req, trustProxy);
    req.route = route;
    let index = 0;
    const fail = (error: unknown) => {
      try {
        onError(error, req, res, () => undefined);
      } catch (unanswerable) {
        // Express would answer with finalhandler's HTML page here; a cut connection says less
        req.log?.error({ err: unanswerable }, 'the error handler failed: closing the connection');
        res.destroy();
      }
    };
    const next = (error?: unknown): void => {
      if (error) return fail(error);
      const middleware = middlewares[index++];
      if (!middleware) {
        route.handle(req, res).catch(fail);
        return;
      }
      try {
        middleware(req, res, next);
      } catch (thrown) {
        fail(thrown);
      }
    };
    next();
    return true;
  };
}

/** The path a route is matched on: without the query, lower case, without one trailing slash. */
function routePath(url: string | undefined): string {
  const path = withoutQuery(url).toLowerCase();
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** A request URL without its query string. */
export function withoutQuery(url = ''): string {
  const end = url.indexOf('?');
  return end < 0 ? url : url.slice(0, end);
}

/** The query string's parameters, as Express's default ("simple") query parser gives them. */
export function queryOf(req: IncomingMessage): ParsedUrlQuery {
  const url = req.url ?? '';
  const start = url.indexOf('?');
  return parseQueryString(start < 0 ? '' : url.slice(start + 1));
}

/** The request's path without its query string. */
export function pathOf(req: IncomingMessage): string {
  return withoutQuery(req.url);
}

/** A request header as one string (Node joins repeated headers), or undefined. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

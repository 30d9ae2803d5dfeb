import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Express, type Router } from 'express';
import vary from 'vary';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Pool } from './db/pool';
import { createAuthRouter, describeAuthRoutes } from './auth/auth.routes';
import { createConnectorsRouter, describeConnectorRoutes } from './connectors/connectors.routes';
import { createFlightTimeRouter, describeFlightTimeRoutes } from './logbook/flight-time.routes';
import { createHealthRouter, describeHealthRoutes } from './health/health.routes';
import { checkInLane, type LaneMiddleware, type LaneRoute } from './http/check-in-lane';
import { createDocsRouter, describeDocsRoutes } from './http/docs.routes';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { buildOpenApiDocument, type RouteDescriber } from './http/openapi';
import { REQUEST_ID_HEADER, requestLogging } from './http/request-logging';
import { securityHeaders } from './http/security-headers';
import type { Logger } from './logger';
import { createDeadLetterRouter, describeDeadLetterRoutes } from './mail/dead-letter.routes';
import { createMetricsRouter, describeMetricsRoutes } from './metrics/metrics.routes';
import { createOAuthRouter, describeOAuthRoutes } from './oauth/oauth.routes';
import { describePartnerRoutes } from './partner/partner.openapi';
import { createPartnerRoutes } from './partner/partner.routes';
import { Argon2Gate, MAX_CONCURRENT_ARGON2 } from './security/argon2-gate';
import { SecretBox } from './security/secret-box';

declare module 'http' {
  interface IncomingMessage {
    /** The request body exactly as received, kept for the partner HMAC check. */
    rawBody?: Buffer;
  }
}

export interface AppDeps {
  config: Config;
  pool: Pool;
  logger: Logger;
  clock: Clock;
}

/**
 * A feature's routes: an Express router to mount, or routes for the check-in lane, and the
 * description of its routes for the OpenAPI document.
 */
export type Feature = { router: Router; describe: RouteDescriber } | { laneRoutes: readonly LaneRoute[]; describe: RouteDescriber };

/** The whole API as Node's request listener: check-ins through the lane, every other request through Express. */
export type App = ((req: IncomingMessage, res: ServerResponse) => void) & { express: Express };

const BODY_LIMIT = '100kb';

/** Builds the API (no listen), so tests drive it with supertest. */
export function createApp(deps: AppDeps): App {
  const { config } = deps;
  const secrets = SecretBox.fromConfig(config);
  const argon2 = new Argon2Gate(MAX_CONCURRENT_ARGON2, config.ARGON2_MAX_WAITING);
  // the check-in hot path: exact methods and paths, JSON only, served by the lane (see below)
  const partnerRoutes = createPartnerRoutes({ ...deps, secrets });
  const features: Feature[] = [
    { router: createHealthRouter(deps), describe: describeHealthRoutes },
    { laneRoutes: partnerRoutes, describe: describePartnerRoutes },
    { router: createOAuthRouter({ ...deps, secrets }), describe: describeOAuthRoutes },
    { router: createAuthRouter({ ...deps, secrets, argon2 }), describe: describeAuthRoutes },
    // before the connector console, whose catch-all answers every other /op path with a 404
    { router: createDeadLetterRouter(deps), describe: describeDeadLetterRoutes },
    { router: createConnectorsRouter({ ...deps, secrets }), describe: describeConnectorRoutes },
    { router: createFlightTimeRouter(deps), describe: describeFlightTimeRoutes },
    { router: createMetricsRouter(deps), describe: describeMetricsRoutes },
  ];

  const app = express();
  app.disable('x-powered-by');
  // req.ip is the client's address: the socket's peer, or what the proxies named in TRUST_PROXY report
  app.set('trust proxy', config.TRUST_PROXY);
  // no client revalidates API answers; Express would otherwise hash every response body for an ETag
  app.set('etag', false);
  app.locals.features = features;
  // what every request meets first, through the lane and through Express alike
  const common: LaneMiddleware[] = [
    requestLogging(deps.logger),
    securityHeaders(),
    corsFor(config.CORS_ORIGINS),
    express.json({
      limit: BODY_LIMIT,
      // partners that forget the Content-Type still send JSON
      type: (req) => !req.headers['content-type'] || /\bjson\b/i.test(req.headers['content-type']),
      verify: (req, _res, buffer) => {
        req.rawBody = buffer;
      },
    }),
  ];
  for (const middleware of common) app.use(middleware);
  // (a partner request with a form body is refused with 415: it cannot be checked against its signature)
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT }));

  const document = buildOpenApiDocument([...features.map((feature) => feature.describe), describeDocsRoutes]);
  app.locals.openApiDocument = document;
  if (config.DOCS_ENABLED) app.use(createDocsRouter(document, deps));
  for (const feature of features) if ('router' in feature) app.use(feature.router);

  app.use(notFoundHandler);
  app.use(errorHandler);

  const lane = checkInLane({ routes: partnerRoutes, middlewares: common, onError: errorHandler, trustProxy: app.get('trust proxy fn') });
  return Object.assign(
    (req: IncomingMessage, res: ServerResponse) => {
      if (!lane(req, res)) app(req, res);
    },
    { express: app },
  );
}

/**
 * Browsers may call the API only from the origins listed in CORS_ORIGINS (none by default). Requests
 * from any other origin get no CORS headers at all, so no browser lets that page read an answer.
 */
function corsFor(origins: readonly string[]): LaneMiddleware {
  const allowed = new Set(origins);
  const withCors = cors({ origin: [...allowed], exposedHeaders: ['token', REQUEST_ID_HEADER] });
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    // the answer depends on the Origin header: caches must not hand one origin's answer to another
    vary(res, 'Origin');
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) withCors(req, res, next);
    else next();
  };
}

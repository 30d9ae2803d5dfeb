import cors from 'cors';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Pool } from './db/pool';
import { createAuthRouter, describeAuthRoutes } from './auth/auth.routes';
import { createConnectorsRouter, describeConnectorRoutes } from './connectors/connectors.routes';
import { createFlightTimeRouter, describeFlightTimeRoutes } from './logbook/flight-time.routes';
import { createHealthRouter, describeHealthRoutes } from './health/health.routes';
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
import { createPartnerRouter } from './partner/partner.routes';
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

/** A feature's routes: the router to mount and the description of its routes for the OpenAPI document. */
export interface Feature {
  router: Router;
  describe: RouteDescriber;
}

const BODY_LIMIT = '100kb';

/** Builds the Express app (no listen), so tests drive it with supertest. */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const secrets = SecretBox.fromConfig(config);
  const argon2 = new Argon2Gate(MAX_CONCURRENT_ARGON2, config.ARGON2_MAX_WAITING);
  // the check-in hot path: exact paths, JSON only (mounted first, see below)
  const partner: Feature = { router: createPartnerRouter({ ...deps, secrets }), describe: describePartnerRoutes };
  const features: Feature[] = [
    { router: createHealthRouter(deps), describe: describeHealthRoutes },
    partner,
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
  app.use(requestLogging(deps.logger));
  app.use(securityHeaders());
  app.use(corsFor(config.CORS_ORIGINS));
  app.use(
    express.json({
      limit: BODY_LIMIT,
      // partners that forget the Content-Type still send JSON
      type: (req) => !req.headers['content-type'] || /\bjson\b/i.test(req.headers['content-type']),
      verify: (req, _res, buffer) => {
        req.rawBody = buffer;
      },
    }),
  );
  // right after the JSON parser: check-ins skip the form parser, the docs and every other router
  // (a partner request with a form body is refused with 415 either way: it cannot be checked against its signature)
  app.use(partner.router);
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT }));

  const document = buildOpenApiDocument([...features.map((feature) => feature.describe), describeDocsRoutes]);
  app.locals.openApiDocument = document;
  if (config.DOCS_ENABLED) app.use(createDocsRouter(document, deps));
  for (const feature of features) if (feature !== partner) app.use(feature.router);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

/**
 * Browsers may call the API only from the origins listed in CORS_ORIGINS (none by default). Requests
 * from any other origin get no CORS headers at all, so no browser lets that page read an answer.
 */
function corsFor(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  const withCors = cors({ origin: [...allowed], exposedHeaders: ['token', REQUEST_ID_HEADER] });
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    // the answer depends on the Origin header: caches must not hand one origin's answer to another
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) withCors(req, res, next);
    else next();
  };
}

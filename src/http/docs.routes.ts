import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import { bodyParserFailures, type OpenAPIRegistry, PUBLIC } from './openapi';
import { rateLimit } from './rate-limit';

export const DOCS_PATHS = { document: '/api/openapi.json', swaggerUi: '/api/docs' } as const;

/** The OpenAPI document as JSON, and Swagger UI over it (mounted only with DOCS_ENABLED). */
export function createDocsRouter(document: object, deps: { pool: Pool; config: Pick<Config, 'RATE_LIMIT_DOCS_PER_MINUTE'> }): Router {
  const router = Router();
  router.use([DOCS_PATHS.document, DOCS_PATHS.swaggerUi], rateLimit(deps.pool, { name: 'docs', perMinute: deps.config.RATE_LIMIT_DOCS_PER_MINUTE }));
  router.get(DOCS_PATHS.document, (_req, res) => {
    res.json(document);
  });
  router.use(DOCS_PATHS.swaggerUi, swaggerUi.serveFiles(document), swaggerUi.setup(document, { customSiteTitle: 'IBA FuzeMetrix API' }));
  return router;
}

export function describeDocsRoutes(registry: OpenAPIRegistry): void {
  const tag = registry.registerTag('Documentation', 'This document, and Swagger UI over it; open to anyone.');
  const base = { method: 'get' as const, tags: [tag], security: PUBLIC };
  registry.registerPath({
    ...base,
    path: DOCS_PATHS.document,
    operationId: 'openApiDocument',
    summary: 'This OpenAPI 3.0 document',
    description: 'Generated from the zod schemas that validate the requests. The server URL is relative: the API is on the host the document was read from.',
    responses: {
      200: {
        description: 'The document',
        content: { 'application/json': { schema: z.looseObject({}).openapi({ additionalProperties: true, example: { openapi: '3.0.3' } }) } },
      },
      ...bodyParserFailures(),
    },
  });
  // Swagger UI's own page; GET /api/docs redirects here, and its scripts and styles are served beside it
  registry.registerPath({
    ...base,
    path: `${DOCS_PATHS.swaggerUi}/`,
    operationId: 'swaggerUi',
    summary: 'Interactive documentation (Swagger UI)',
    description: 'Swagger UI over this document; "Try it out" calls the host the page was opened from.',
    responses: { 200: { description: 'The Swagger UI page', content: { 'text/html': { schema: z.string() } } }, ...bodyParserFailures() },
  });
}

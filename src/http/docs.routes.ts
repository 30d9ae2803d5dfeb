import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import { rateLimit } from './rate-limit';

/** The OpenAPI document as JSON, and Swagger UI over it (mounted only with DOCS_ENABLED). */
export function createDocsRouter(document: object, deps: { pool: Pool; config: Pick<Config, 'RATE_LIMIT_DOCS_PER_MINUTE'> }): Router {
  const router = Router();
  router.use(['/api/openapi.json', '/api/docs'], rateLimit(deps.pool, { name: 'docs', perMinute: deps.config.RATE_LIMIT_DOCS_PER_MINUTE }));
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/api/docs', swaggerUi.serveFiles(document), swaggerUi.setup(document, { customSiteTitle: 'IBA FuzeMetrix API' }));
  return router;
}

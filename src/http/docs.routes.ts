import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';

/** The OpenAPI document as JSON, and Swagger UI over it. */
export function createDocsRouter(document: object): Router {
  const router = Router();
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/api/docs', swaggerUi.serveFiles(document), swaggerUi.setup(document, { customSiteTitle: 'IBA FuzeMetrix API' }));
  return router;
}

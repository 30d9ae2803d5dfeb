import cluster from 'node:cluster';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';

/**
 * The bare minimum the ceilings share with the API: Express 5, a JSON body parser that keeps the raw
 * bytes, and a health route so the bench can wait for it. No logging, no helmet, no validation.
 */
export function ceilingApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    express.json({
      verify: (req, _res, buffer) => {
        (req as unknown as { rawBody: Buffer }).rawBody = buffer;
      },
    }),
  );
  app.get('/health', (_req, res) => {
    res.json({ status: true });
  });
  return app;
}

/** Whether the partner token (hex HMAC-SHA256 of the raw body) matches, compared in constant time. */
export function tokenSignsBody(secret: string, raw: Buffer, token: string | string[] | undefined): boolean {
  const expected = createHmac('sha256', secret).update(raw).digest();
  const actual = typeof token === 'string' && /^[0-9a-f]{64}$/i.test(token) ? Buffer.from(token, 'hex') : Buffer.alloc(0);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Checks the partner token against one fixed secret. */
export function hmacCheck(secret: string): RequestHandler {
  return (req, res, next) => {
    if (!tokenSignsBody(secret, (req as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0), req.headers.token)) {
      res.status(403).json({ valid: false, message: 'Your token does not match' });
      return;
    }
    next();
  };
}

/**
 * Serves the app on PORT. With CEILING_WORKERS=N the process becomes a node:cluster primary of N
 * workers, as the API does with WEB_CONCURRENCY, so a two-worker API is compared with a two-process
 * ceiling that shares connections out the same way.
 */
export function listen(app: RequestListener): void {
  const workers = Number(process.env.CEILING_WORKERS ?? 1);
  if (cluster.isPrimary && workers > 1) {
    for (let i = 0; i < workers; i++) cluster.fork();
    process.on('SIGTERM', () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    });
    cluster.on('exit', () => {
      if (Object.values(cluster.workers ?? {}).every((worker) => !worker || worker.isDead())) process.exit(0);
    });
    return;
  }
  const port = Number(process.env.PORT ?? 0);
  const server = createServer(app).listen(port, '127.0.0.1');
  server.keepAliveTimeout = 65_000;
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}

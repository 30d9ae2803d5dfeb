import fs from 'node:fs';
import pino from 'pino';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { createPool } from '../db/pool';
import { CliError, runCli } from './run-cli';

/**
 * Writes the OpenAPI document the app serves at /api/openapi.json to a file (or stdout), built from
 * the app itself without a database: the pool is never asked for a connection.
 */
export function appOpenApiDocument(): object {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'mysql://openapi@127.0.0.1:9/never_connected', LOG_LEVEL: 'silent' });
  const pool = createPool(config.DATABASE_URL, { connectionLimit: 1 });
  try {
    const app = createApp({ config, pool, logger: pino({ level: 'silent' }), clock: () => new Date() });
    return app.locals.openApiDocument as object;
  } finally {
    void pool.end();
  }
}

if (require.main === module) {
  runCli(async () => {
    const [output, ...extra] = process.argv.slice(2);
    if (extra.length > 0) throw new CliError('Usage: npm run openapi:write -- [FILE]');
    const json = `${JSON.stringify(appOpenApiDocument(), null, 2)}\n`;
    if (output) fs.writeFileSync(output, json);
    else process.stdout.write(json);
  });
}

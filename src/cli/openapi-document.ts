import fs from 'node:fs';
import pino from 'pino';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { createPool } from '../db/pool';
import { CliError, runCli } from './run-cli';

/**
 * Writes the OpenAPI document the app serves at /api/openapi.json to a file (or stdout), built from
 * the app itself without a database: the pool is never asked for a connection. With --partner, only
 * what a partner calls (see partnerOpenApiDocument).
 *   npm run openapi:write -- [--partner] [FILE]
 */

interface OpenApiDocument {
  info: { title: string };
  paths: Record<string, Record<string, { tags?: string[]; security?: Array<Record<string, string[]>> }>>;
  components?: Record<string, Record<string, unknown>>;
  tags?: Array<{ name: string }>;
  [key: string]: unknown;
}

/** The tags of the operations partners call (src/partner/partner.openapi.ts, src/oauth/oauth.routes.ts). */
export const PARTNER_TAGS = ['FuzeMetrix partner', 'OAuth'];

export function appOpenApiDocument(): OpenApiDocument {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'mysql://openapi@127.0.0.1:9/never_connected', LOG_LEVEL: 'silent' });
  const pool = createPool(config.DATABASE_URL, { connectionLimit: 1 });
  try {
    const app = createApp({ config, pool, logger: pino({ level: 'silent' }), clock: () => new Date() });
    return app.express.locals.openApiDocument as OpenApiDocument;
  } finally {
    void pool.end();
  }
}

/**
 * The operations partners call (validate-pin, get-member, create-booking, the OAuth token endpoint)
 * with only the components they use: what the typed partner client in examples/partner-client is
 * generated from, so the admin console and sign-in never reach a partner's code.
 */
export function partnerOpenApiDocument(document: OpenApiDocument = appOpenApiDocument()): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const [path, operations] of Object.entries(document.paths)) {
    const kept = Object.entries(operations).filter(([, operation]) => operation.tags?.some((tag) => PARTNER_TAGS.includes(tag)));
    if (kept.length > 0) paths[path] = Object.fromEntries(kept);
  }
  const components: Record<string, Record<string, unknown>> = {};
  const keep = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(keep);
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const ref = key === '$ref' && typeof child === 'string' ? /^#\/components\/(\w+)\/(.+)$/.exec(child) : null;
      if (ref) {
        const [, type, name] = ref;
        if (components[type]?.[name] !== undefined) continue;
        (components[type] ??= {})[name] = document.components?.[type]?.[name];
        keep(components[type][name]);
      } else {
        keep(child);
      }
    }
  };
  keep(paths);
  const security = Object.values(paths).flatMap((operations) => Object.values(operations).flatMap((operation) => operation.security ?? []));
  for (const name of new Set(security.flatMap((requirement) => Object.keys(requirement)))) {
    (components.securitySchemes ??= {})[name] = document.components?.securitySchemes?.[name];
  }
  return {
    ...document,
    info: { ...document.info, title: `${document.info.title} (partner endpoints)` },
    tags: document.tags?.filter((tag) => PARTNER_TAGS.includes(tag.name)),
    paths,
    components,
  };
}

if (require.main === module) {
  runCli(async () => {
    const args = process.argv.slice(2);
    const partner = args[0] === '--partner';
    const [output, ...extra] = partner ? args.slice(1) : args;
    if (extra.length > 0 || output?.startsWith('-')) throw new CliError('Usage: npm run openapi:write -- [--partner] [FILE]');
    const document = partner ? partnerOpenApiDocument() : appOpenApiDocument();
    const json = `${JSON.stringify(document, null, 2)}\n`;
    if (output) fs.writeFileSync(output, json);
    else process.stdout.write(json);
  });
}

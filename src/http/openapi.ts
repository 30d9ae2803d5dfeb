import { OpenApiGeneratorV3, OpenAPIRegistry as ZodOpenAPIRegistry, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/**
 * The registry each feature describes its routes into. On top of zod-to-openapi's, it collects the
 * tags the operations are grouped by, so each feature declares its own tag, with a description, at
 * the document's top level (in the order the features describe themselves).
 */
export class OpenAPIRegistry extends ZodOpenAPIRegistry {
  readonly tags: Array<{ name: string; description: string }> = [];

  /** Declares a tag; returns its name for the operations' `tags`. */
  registerTag(name: string, description: string): string {
    if (!this.tags.some((tag) => tag.name === name)) this.tags.push({ name, description });
    return name;
  }
}

/** One way to authenticate: every scheme named must be satisfied (OpenAPI's Security Requirement Object). */
export type SecurityRequirement = Record<string, string[]>;

/** Each feature describes its own routes from the same zod schemas that validate them. */
export type RouteDescriber = (registry: OpenAPIRegistry) => void;

/**
 * The document the app serves at /api/openapi.json. The server URL is relative, so Swagger UI's
 * "Try it out" calls whatever host the docs were opened from (an absolute one is blocked by the CSP
 * from any other host name).
 */
export function buildOpenApiDocument(describers: RouteDescriber[]) {
  const registry = new OpenAPIRegistry();
  for (const describe of describers) describe(registry);
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'IBA member API: FuzeMetrix integration',
      version: '1.0.0',
      description:
        'Partner endpoints for the FuzeMetrix booking system (HMAC-signed), the admin connector console and sign-in. ' +
        'Dates in request bodies are Unix timestamps in seconds; dates in responses are ISO 8601.',
      contact: { name: 'International Bodyflight Association (IBA)', url: 'https://tunnelflight.com' },
      // package.json says UNLICENSED: no licence is granted, and there is no licence text to link to
      license: { name: 'Proprietary (UNLICENSED): all rights reserved by the International Bodyflight Association' },
    },
    servers: [{ url: '/', description: 'The host this document was read from' }],
    tags: registry.tags,
  });
}

/**
 * The JWT a signed-in admin sends: in the `token` header (the runbook's way) or as
 * `Authorization: Bearer`. Registers both schemes; returns the operation's `security`.
 */
export function adminSecurity(registry: OpenAPIRegistry): SecurityRequirement[] {
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'apiKey',
    in: 'header',
    name: 'token',
    description: 'The admin JWT from /api/auth/verify-totp (or verify-setup), in the `token` header as the runbook sends it',
  });
  registry.registerComponent('securitySchemes', 'adminBearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The same admin JWT as `Authorization: Bearer <jwt>`',
  });
  return [{ adminToken: [] }, { adminBearer: [] }];
}

/** An operation anyone may call: no credentials (or credentials in the body, as for sign-in). */
export const PUBLIC: SecurityRequirement[] = [];

/** The JSON envelopes the documents fix, for use in route descriptions. */
export const partnerFailureSchema = z
  .object({ valid: z.literal(false), message: z.string() })
  .openapi('PartnerFailure', { example: { valid: false, message: 'Member not found' } });

export const statusFailureSchema = z
  .object({ status: z.literal(false), message: z.string() })
  .openapi('StatusFailure', { example: { status: false, message: 'Invalid credentials' } });

export const jsonContent = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

/**
 * What every route can answer before it runs, from the JSON body parser: a body that is not JSON, or
 * one over 100 kB (a GET carrying one too). For routes that list no 4xx answers of their own.
 */
export const bodyParserFailures = () => ({
  400: { description: 'The request carries a body that is not valid JSON', ...jsonContent(statusFailureSchema) },
  413: { description: 'The request body is over 100 kB', ...jsonContent(statusFailureSchema) },
});

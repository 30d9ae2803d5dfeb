import { OpenAPIRegistry, OpenApiGeneratorV3, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { OpenAPIRegistry };

/** Each feature describes its own routes from the same zod schemas that validate them. */
export type RouteDescriber = (registry: OpenAPIRegistry) => void;

export function buildOpenApiDocument(describers: RouteDescriber[], serverUrl: string) {
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
    },
    servers: [{ url: serverUrl }],
  });
}

/** The JSON envelopes the documents fix, for use in route descriptions. */
export const partnerFailureSchema = z
  .object({ valid: z.literal(false), message: z.string() })
  .openapi('PartnerFailure', { example: { valid: false, message: 'Member not found' } });

export const statusFailureSchema = z
  .object({ status: z.literal(false), message: z.string() })
  .openapi('StatusFailure', { example: { status: false, message: 'Invalid credentials' } });

export const jsonContent = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

import { z } from 'zod';
import '../http/openapi';
import { PARTNER_SCOPES, SIGNING_METHODS } from './connector-access';

const EMAIL_MESSAGE = 'email must be a valid email address';
const ID_MESSAGE = 'id must be a positive integer';

const emailField = z
  .string({ error: EMAIL_MESSAGE })
  .trim()
  .max(254, 'email must be at most 254 characters long')
  .pipe(z.email({ error: EMAIL_MESSAGE }))
  .openapi({ type: 'string', format: 'email', example: 'partner@example.com' });

export const connectorIdField = z
  .union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)], { error: ID_MESSAGE })
  .pipe(z.number({ error: ID_MESSAGE }).int(ID_MESSAGE).positive(ID_MESSAGE).max(4_294_967_295, ID_MESSAGE))
  .openapi({ type: 'integer', example: 3 });

export const createConnectorSchema = z.object({ email: emailField }).openapi('CreateConnectorRequest');
export const updateConnectorSchema = z.object({ id: connectorIdField, email: emailField }).openapi('UpdateConnectorRequest');
export const connectorIdParamsSchema = z.object({ id: connectorIdField });

const listOf = <T extends string>(field: string, values: readonly [T, ...T[]]) => {
  const message = `${field} must be a non-empty list of ${values.map((value) => `"${value}"`).join(', ')}`;
  return z.array(z.enum(values, { error: message }), { error: message }).min(1, message);
};

export const connectorAccessSchema = z
  .object({
    auth_methods: listOf('auth_methods', SIGNING_METHODS).openapi({
      description:
        'Signing methods the connector may use: `legacy-hmac` (client-id + HMAC of the body, the public page), ' +
        '`timestamped-signature` (X-API-KEY, X-TIMESTAMP, X-SIGNATURE), `oauth` (client-credentials access tokens)',
    }),
    scopes: listOf('scopes', PARTNER_SCOPES).openapi({
      description: '`members:read` (validate-pin, get-member) and `bookings:write` (create-booking)',
    }),
  })
  .openapi('ConnectorAccessRequest', { example: { auth_methods: ['timestamped-signature', 'oauth'], scopes: ['members:read', 'bookings:write'] } });

export const connectorSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    clientId: z.string().openapi({ description: '32 hex characters; the partner sends it as the client-id header' }),
    secret: z.string().openapi({ description: 'base64; the partner signs request bodies with it' }),
    created_by: z.number().int(),
    created_at: z.number().int().openapi({ description: 'Unix seconds' }),
    auth_methods: z.array(z.enum(SIGNING_METHODS)).openapi({ description: 'Signing methods this connector may use' }),
    scopes: z.array(z.enum(PARTNER_SCOPES)).openapi({ description: 'Scopes this connector may hold' }),
    previous_secret: z.string().optional().openapi({ description: 'Only while a rotated-out secret is still accepted' }),
    previous_secret_expires_at: z.number().int().optional().openapi({ description: 'Unix seconds; only with previous_secret' }),
  })
  .openapi('Connector', {
    example: {
      id: 3,
      email: 'partner@example.com',
      clientId: '9f86d081884c7d659a2feaa0c55ad015',
      secret: 'q1w2e3r4t5y6u7i8o9p0aQ==',
      created_by: 1,
      created_at: 1767225600,
      auth_methods: ['legacy-hmac', 'timestamped-signature', 'oauth'],
      scopes: ['members:read', 'bookings:write'],
    },
  });

export const statusMessageSchema = z.object({ status: z.literal(true), message: z.string() });
export const connectorListSchema = statusMessageSchema.extend({ data: z.array(connectorSchema) });
export const connectorResultSchema = statusMessageSchema.extend({ data: connectorSchema });
export const generatedTokenSchema = statusMessageSchema
  .extend({ token: z.string() })
  .openapi('GeneratedToken', { example: { status: true, message: 'Token generated successfully', token: '5d41402abc4b2a76b9719d911017c592…' } });

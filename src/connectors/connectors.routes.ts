import { Router } from 'express';
import { z } from 'zod';
import { ADMIN_ROLE_ID } from '../auth/roles';
import { roleGuard, signedInMember } from '../auth/require-role';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import type { SecretBox } from '../security/secret-box';
import { badRequest, notFound } from '../http/errors';
import { adminSecurity, jsonContent, type OpenAPIRegistry, statusFailureSchema } from '../http/openapi';
import { parseInput } from '../http/validate';
import { connectorView } from './connector-view';
import {
  connectorAccessSchema,
  connectorIdField,
  connectorIdParamsSchema,
  connectorListSchema,
  connectorResultSchema,
  createConnectorSchema,
  generatedTokenSchema,
  statusMessageSchema,
  updateConnectorSchema,
} from './connectors.schemas';
import {
  changeConnectorAccess,
  changeConnectorEmail,
  createConnector,
  generatePartnerToken,
  getConnector,
  listConnectorsAudited,
  removeConnector,
  rotateSecret,
} from './connectors.service';

const OP = '/api/external/fuse-metrix/op';

export interface ConnectorRouterDeps {
  pool: Pool;
  secrets: SecretBox;
  config: Pick<Config, 'JWT_SECRET' | 'JWT_CLOCK_TOLERANCE_SECONDS' | 'CONNECTOR_SECRET_OVERLAP_HOURS'>;
  clock: Clock;
}

/**
 * The admin console for partner credentials (the runbook's /op endpoints), role 1 only. It answers
 * every /op path itself (the partner routes are exact paths), so no /op request ever meets the
 * partner signature check. Secrets are stored sealed and shown in clear, as the runbook needs; every
 * answer that shows one is audited.
 */
export function createConnectorsRouter(deps: ConnectorRouterDeps): Router {
  const router = Router();
  const requireRole = roleGuard(deps);
  const admin = requireRole([ADMIN_ROLE_ID]);
  const actor = (req: Parameters<typeof signedInMember>[0]) => ({ memberId: signedInMember(req).member_id });

  router.post(OP, admin, async (req, res) => {
    const { email } = parseInput(createConnectorSchema, req.body);
    await createConnector(deps, actor(req), email, deps.clock());
    res.json({ status: true, message: 'User created successfully' });
  });

  router.get(OP, admin, async (req, res) => {
    const now = deps.clock();
    const connectors = await listConnectorsAudited(deps, actor(req), now);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: true, message: 'Users fetched successfully', data: connectors.map((connector) => connectorView(connector, now)) });
  });

  router.put(OP, admin, async (req, res) => {
    const { id, email } = parseInput(updateConnectorSchema, req.body);
    const connector = await changeConnectorEmail(deps, actor(req), id, email, deps.clock());
    res.json({ status: true, message: 'User updated successfully', data: connectorView(connector, deps.clock()) });
  });

  router.post(`${OP}/generate-token`, admin, async (req, res) => {
    const clientId = headerValue(req.headers['client-id']) ?? headerValue(req.headers.clientid);
    if (!clientId) throw badRequest('client-id header is required');
    const token = await generatePartnerToken(deps, actor(req), clientId, req.body, deps.clock());
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: true, message: 'Token generated successfully', token });
  });

  router.get(`${OP}/:id`, admin, async (req, res) => {
    const { id } = parseInput(connectorIdParamsSchema, req.params);
    const now = deps.clock();
    const connector = await getConnector(deps, actor(req), id, now);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: true, message: 'User fetched successfully', data: connectorView(connector, now) });
  });

  // the REST spelling of the runbook's PUT /op {id, email}; an id in the body must agree with the path
  router.put(`${OP}/:id`, admin, async (req, res) => {
    const { id } = parseInput(connectorIdParamsSchema, req.params);
    const body = parseInput(updateConnectorSchema, { id, ...(typeof req.body === 'object' && req.body !== null ? req.body : {}) });
    if (body.id !== id) throw badRequest('id in the body does not match the id in the path');
    const connector = await changeConnectorEmail(deps, actor(req), id, body.email, deps.clock());
    res.json({ status: true, message: 'User updated successfully', data: connectorView(connector, deps.clock()) });
  });

  router.delete(`${OP}/:id`, admin, async (req, res) => {
    const { id } = parseInput(connectorIdParamsSchema, req.params);
    await removeConnector(deps, actor(req), id, deps.clock());
    res.json({ status: true, message: 'User deleted successfully' });
  });

  router.post(`${OP}/:id/rotate-secret`, admin, async (req, res) => {
    const { id } = parseInput(connectorIdParamsSchema, req.params);
    const now = deps.clock();
    const connector = await rotateSecret(deps, actor(req), id, deps.config.CONNECTOR_SECRET_OVERLAP_HOURS, now);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: true, message: 'Secret rotated successfully', data: connectorView(connector, now) });
  });

  router.put(`${OP}/:id/access`, admin, async (req, res) => {
    const { id } = parseInput(connectorIdParamsSchema, req.params);
    const { auth_methods: authMethods, scopes } = parseInput(connectorAccessSchema, req.body);
    const now = deps.clock();
    const connector = await changeConnectorAccess(deps, actor(req), id, { authMethods, scopes }, now);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: true, message: 'Access updated successfully', data: connectorView(connector, now) });
  });

  // anything else under /op is answered here, in the console's envelope, never by the partner router
  router.all(`${OP}{/*rest}`, (req) => {
    throw notFound(`Route not found: ${req.method} ${req.path}`);
  });

  return router;
}

function headerValue(value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.trim() ? first.trim() : null;
}

export function describeConnectorRoutes(registry: OpenAPIRegistry): void {
  const tag = registry.registerTag(
    'Connector console',
    "IBA admins manage the partners' credentials (connectors: client id and secret), as the provisioning runbook does with curl. " +
      'Admins only (role 1), with the JWT from sign-in; every action is audited.',
  );
  const idParams = z.object({ id: connectorIdField });
  const failure = (description: string) => ({ description, ...jsonContent(statusFailureSchema) });
  const guarded = { 401: failure('No, bad or expired token'), 403: failure('Not an admin') };
  const base = { tags: [tag], security: adminSecurity(registry) };
  const list = {
    summary: 'List every connector with its clientId and secret',
    description: 'Step 3 of the runbook: read back the credentials a create generated. Audited as a list; the answer is not cached (Cache-Control: no-store).',
    responses: { 200: { description: 'All connectors', ...jsonContent(connectorListSchema) }, ...guarded },
  };

  registry.registerPath({
    ...base,
    method: 'post',
    path: OP,
    operationId: 'createConnector',
    summary: 'Create a connector: a new clientId and secret for a partner (read them back with GET)',
    description: 'Step 2 of the runbook. The server generates a 32-hex-character clientId and a base64 secret; the answer does not carry them.',
    request: { body: jsonContent(createConnectorSchema) },
    responses: { 200: { description: 'Created; the credentials are not in the answer', ...jsonContent(statusMessageSchema) }, ...guarded, 422: failure('Missing or invalid email') },
  });
  registry.registerPath({ ...base, ...list, method: 'get', path: OP, operationId: 'listConnectors' });
  // the runbook's curl spells it with a trailing slash: a validating proxy would otherwise read it as /op/{id}
  registry.registerPath({
    ...base,
    ...list,
    method: 'get',
    path: `${OP}/`,
    operationId: 'listConnectorsRunbookPath',
    summary: 'List every connector (the runbook spelling, with a trailing slash)',
    description: `The same list as GET ${OP}, at the path the runbook's curl sends (GET ${OP}/).`,
  });
  registry.registerPath({
    ...base,
    method: 'put',
    path: OP,
    operationId: 'updateConnectorEmail',
    summary: "Change a connector's e-mail",
    description: 'The runbook\'s edit call: the connector id and its new e-mail in the body. The credentials stay as they are.',
    request: { body: jsonContent(updateConnectorSchema) },
    responses: { 200: { description: 'Updated', ...jsonContent(connectorResultSchema) }, ...guarded, 404: failure('No such connector'), 422: failure('Missing or invalid id or email') },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: `${OP}/generate-token`,
    operationId: 'generatePartnerToken',
    summary: 'The HMAC token the partner check expects for this body from this connector (debugging 403s)',
    description: "Signs JSON.stringify(body) (compact) with the connector's current secret, hex HMAC-SHA256.",
    request: {
      // one of the two is required: the server takes either spelling, as the partner check does
      headers: z.object({
        'client-id': z.string().optional().openapi({ description: "The connector's clientId (this or `clientid` is required)" }),
        clientid: z.string().optional().openapi({ description: 'The legacy spelling of `client-id`' }),
      }),
      body: jsonContent(
        z.looseObject({}).openapi({
          additionalProperties: true,
          description: 'Any JSON object: the body the partner sends (the token is the same for any key order the partner serialises)',
          example: { member_id: 40, member_pin: '123456' },
        }),
      ),
    },
    responses: { 200: { description: 'The token', ...jsonContent(generatedTokenSchema) }, 400: failure('No client-id (or clientid) header'), ...guarded, 404: failure('Client id does not match with data') },
  });
  registry.registerPath({
    ...base,
    method: 'get',
    path: `${OP}/{id}`,
    operationId: 'getConnector',
    summary: 'One connector',
    description: 'The connector with its clientId, secret, signing methods and scopes (and, during a rotation overlap, the previous secret). Audited as a read.',
    request: { params: idParams },
    responses: { 200: { description: 'The connector', ...jsonContent(connectorResultSchema) }, ...guarded, 404: failure('No such connector'), 422: failure('id is not a positive integer') },
  });
  registry.registerPath({
    ...base,
    method: 'put',
    path: `${OP}/{id}`,
    operationId: 'updateConnectorEmailById',
    summary: "Change a connector's e-mail (id in the path)",
    description: 'The REST spelling of the runbook\'s edit call. An id in the body, if any, must be the one in the path.',
    request: { params: idParams, body: jsonContent(createConnectorSchema) },
    responses: { 200: { description: 'Updated', ...jsonContent(connectorResultSchema) }, ...guarded, 404: failure('No such connector'), 422: failure('Invalid id or email') },
  });
  registry.registerPath({
    ...base,
    method: 'delete',
    path: `${OP}/{id}`,
    operationId: 'deleteConnector',
    summary: 'Delete a connector (its bookings stay, without the connector)',
    description: "The partner's credentials stop working at once, for every signing method, and so do its access tokens. Its purchase ids stay booked.",
    request: { params: idParams },
    responses: { 200: { description: 'Deleted', ...jsonContent(statusMessageSchema) }, ...guarded, 404: failure('No such connector'), 422: failure('id is not a positive integer') },
  });
  registry.registerPath({
    ...base,
    method: 'put',
    path: `${OP}/{id}/access`,
    operationId: 'setConnectorAccess',
    summary: 'Choose the signing methods a connector may use and the scopes it may hold (audited)',
    description:
      'All three methods and both scopes are on for a new connector (also for one inserted with the runbook SQL). ' +
      "Retire the legacy check partner by partner by leaving `legacy-hmac` out. The connector's access tokens issued before the change stop working.",
    request: { params: idParams, body: jsonContent(connectorAccessSchema) },
    responses: { 200: { description: 'The connector with its new access', ...jsonContent(connectorResultSchema) }, ...guarded, 404: failure('No such connector'), 422: failure('Invalid id, methods or scopes') },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: `${OP}/{id}/rotate-secret`,
    operationId: 'rotateConnectorSecret',
    summary: 'Issue a new secret; the old one stays valid for CONNECTOR_SECRET_OVERLAP_HOURS (24 h by default)',
    description:
      'The answer carries the new secret and, until the overlap ends, the previous one with its end (previous_secret, previous_secret_expires_at). ' +
      'Access tokens issued before the rotation stop working at once.',
    request: { params: idParams },
    responses: { 200: { description: 'The connector with its new secret and, during the overlap, the previous one', ...jsonContent(connectorResultSchema) }, ...guarded, 404: failure('No such connector'), 422: failure('id is not a positive integer') },
  });
}

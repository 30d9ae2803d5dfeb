import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock';
import { jsonContent, type OpenAPIRegistry, PUBLIC, statusFailureSchema } from '../http/openapi';
import { parseInput } from '../http/validate';
import {
  codeWithCredentialsSchema,
  credentialsSchema,
  emailOtpSchema,
  loginSchema,
  loginStepSchema,
  signedInSchema,
  totpSetupSchema,
} from './auth.schemas';
import { type AuthDeps, login, type LoginStep, type SignedIn, setupTotp, verifyEmailOtp, verifyTotp, verifyTotpSetup } from './auth.service';

export function createAuthRouter(deps: AuthDeps & { clock: Clock }): Router {
  const router = Router();

  router.post('/api/auth/login', async (req, res) => {
    const step = await login(deps, parseInput(loginSchema, req.body), deps.clock());
    res.json(loginStepBody(step));
  });

  router.post('/api/auth/totp/setup', async (req, res) => {
    const setup = await setupTotp(deps, parseInput(credentialsSchema, req.body), deps.clock());
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: true, message: 'Scan the QR code, then confirm a code with /api/auth/totp/verify-setup', ...setup });
  });

  router.post('/api/auth/totp/verify-setup', async (req, res) => {
    const signedIn = await verifyTotpSetup(deps, parseInput(codeWithCredentialsSchema, req.body), deps.clock());
    sendSignedIn(req, res, signedIn, 'TOTP enabled, login successful');
  });

  router.post('/api/auth/verify-totp', async (req, res) => {
    const signedIn = await verifyTotp(deps, parseInput(codeWithCredentialsSchema, req.body), deps.clock());
    sendSignedIn(req, res, signedIn, 'Login successful');
  });

  router.post('/api/auth/verify-otp', async (req, res) => {
    const signedIn = await verifyEmailOtp(deps, parseInput(emailOtpSchema, req.body), deps.clock());
    sendSignedIn(req, res, signedIn, 'Login successful');
  });

  return router;
}

function loginStepBody(step: LoginStep) {
  const { memberId, ...flag } = step;
  return { status: true, ...flag, member_id: memberId };
}

/** `platform: ios` gets the JWT in the body as `token`; everyone else in the `token` response header. */
function sendSignedIn(req: Request, res: Response, signedIn: SignedIn, message: string): void {
  const body: Record<string, unknown> = { status: true, message, member_id: signedIn.memberId, role_id: signedIn.roleId };
  if (signedIn.backupCodesRemaining !== undefined) body.backupCodesRemaining = signedIn.backupCodesRemaining;
  res.setHeader('Cache-Control', 'no-store');
  if (String(req.headers.platform ?? '').trim().toLowerCase() === 'ios') {
    body.token = signedIn.token;
  } else {
    res.setHeader('token', signedIn.token);
  }
  res.json(body);
}

export function describeAuthRoutes(registry: OpenAPIRegistry): void {
  const tag = registry.registerTag(
    'Auth',
    'Sign-in for admins and members: password, then a TOTP code (forced for admins) or a code sent by e-mail; the answer carries a JWT. ' +
      'The credentials travel in the body, so these operations need no security scheme.',
  );
  const base = { method: 'post' as const, tags: [tag], security: PUBLIC };
  const platformHeader = z.object({
    platform: z.string().optional().openapi({ description: 'Send `ios` to get the JWT in the body as `token` instead of the `token` response header', example: 'ios' }),
  });
  const failures = (extra: Record<number, string>) => ({
    401: { description: 'Wrong credentials or code', ...jsonContent(statusFailureSchema) },
    422: { description: 'Missing or invalid fields', ...jsonContent(statusFailureSchema) },
    ...Object.fromEntries(Object.entries(extra).map(([status, description]) => [status, { description, ...jsonContent(statusFailureSchema) }])),
  });
  const signedInResponse = {
    description: 'Signed in. The JWT is in the body (platform: ios) or in the `token` response header.',
    headers: { token: { description: 'The JWT (unless platform: ios)', schema: { type: 'string' as const } } },
    ...jsonContent(signedInSchema),
  };

  registry.registerPath({
    ...base,
    path: '/api/auth/login',
    operationId: 'signIn',
    summary: 'Sign in, step one: username (or e-mail) and password',
    description:
      'Never returns a token. Admins continue with TOTP (requiresTotp) or its one-time setup (requiresTotpSetup); ' +
      'other members with TOTP on continue with it, members without TOTP get a 6-digit code by e-mail (requiresOtp), valid 10 minutes, once.',
    request: { body: jsonContent(loginSchema) },
    responses: { 200: { description: 'The next step', ...jsonContent(loginStepSchema) }, ...failures({ 429: 'Too many failed attempts' }) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/totp/setup',
    operationId: 'startTotpSetup',
    summary: 'Start TOTP setup: QR code, secret and 10 backup codes, shown this once',
    description:
      'For a member whose sign-in answered requiresTotpSetup (every admin the first time). The secret and backup codes are shown only here; ' +
      'TOTP is on only once verify-setup confirms a code.',
    request: { body: jsonContent(credentialsSchema) },
    responses: { 200: { description: 'Scan qrCodeUrl, keep backupCodes', ...jsonContent(totpSetupSchema) }, ...failures({ 409: 'TOTP is already set up', 429: 'Too many failed attempts' }) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/totp/verify-setup',
    operationId: 'confirmTotpSetup',
    summary: 'Confirm TOTP setup with a code from the app; turns TOTP on and signs in',
    description: 'The first code from the authenticator app after setup. The JWT comes in the `token` response header, or in the body with `platform: ios`.',
    request: { headers: platformHeader, body: jsonContent(codeWithCredentialsSchema) },
    responses: { 200: signedInResponse, ...failures({ 400: 'Setup not started', 409: 'TOTP is already set up', 429: 'Locked after 5 wrong codes' }) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/verify-totp',
    operationId: 'verifyTotp',
    summary: 'Sign in, step two: the current TOTP code or an unused backup code',
    description: 'One step of clock drift is accepted each way; a code already used cannot be used again. 5 wrong codes lock the member for 15 minutes.',
    request: { headers: platformHeader, body: jsonContent(codeWithCredentialsSchema) },
    responses: { 200: signedInResponse, ...failures({ 400: 'TOTP not set up', 429: 'Locked after 5 wrong codes' }) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/verify-otp',
    operationId: 'verifyEmailCode',
    summary: 'Sign in, step two for members without TOTP: the 6-digit code from the e-mail',
    description: 'username is optional; when given it must belong to member_id. Not available to admins. 5 wrong codes lock the member for 15 minutes.',
    request: { headers: platformHeader, body: jsonContent(emailOtpSchema) },
    responses: { 200: signedInResponse, ...failures({ 429: 'Locked after 5 wrong codes' }) },
  });
}

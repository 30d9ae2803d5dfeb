import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { clientAddress } from '../http/client-address';
import { adminSecurity, jsonContent, type OpenAPIRegistry, PUBLIC, statusFailureSchema } from '../http/openapi';
import { rateLimit } from '../http/rate-limit';
import { parseInput } from '../http/validate';
import { SignInThrottle } from '../security/sign-in-throttle';
import {
  codeWithCredentialsSchema,
  credentialsSchema,
  emailOtpSchema,
  loginSchema,
  loginStepSchema,
  signedInSchema,
  signedOutSchema,
  totpSetupSchema,
} from './auth.schemas';
import { login, type LoginStep, signOutEverywhere } from './auth.service';
import { verifyEmailOtp } from './email-otp.service';
import { roleGuard, signedInMember, tokenFromHeaders } from './require-role';
import { audit, type AuthDeps, type Caller, type SignedIn } from './sign-in';
import { type SetupCaller, setupTotp, verifyTotp, verifyTotpSetup } from './totp.service';

export interface AuthRouterDeps extends Omit<AuthDeps, 'throttle' | 'config'> {
  config: AuthDeps['config'] &
    Pick<Config, 'JWT_CLOCK_TOLERANCE_SECONDS' | 'RATE_LIMIT_SIGN_IN_PER_MINUTE' | 'SIGN_IN_FREE_FAILURES' | 'SIGN_IN_FREE_FAILURES_PER_ADDRESS' | 'SIGN_IN_MAX_DELAY_SECONDS'>;
  clock: Clock;
}

export const SIGNED_OUT_MESSAGE = 'Signed out everywhere: every token issued so far no longer works';

export function createAuthRouter(routerDeps: AuthRouterDeps): Router {
  const deps: AuthDeps = { ...routerDeps, throttle: new SignInThrottle(routerDeps.config) };
  const { clock, config } = routerDeps;
  const caller = (req: Request): Caller => ({ address: clientAddress(req) });
  const router = Router();

  // every sign-in route, per client address, counted in the database across API processes
  const limited = rateLimit(deps.pool, {
    name: 'sign-in',
    perMinute: config.RATE_LIMIT_SIGN_IN_PER_MINUTE,
    onLimitReached: (req) => audit(deps.pool, 'rate-limited', null, caller(req), `${req.method} ${req.baseUrl}${req.path}`, clock()),
  });

  router.post('/api/auth/login', limited, async (req, res) => {
    const step = await login(deps, parseInput(loginSchema, req.body), caller(req), clock());
    res.setHeader('Cache-Control', 'no-store');
    res.json(loginStepBody(step));
  });

  const signedInOnly = roleGuard({ pool: deps.pool, config, clock }).signedIn();
  // TOTP setup: admins send no token (the runbook's first sign-in); other members send the one their e-mailed code gave them
  const signedInIfTokenSent: RequestHandler = (req, res, next) => (tokenFromHeaders(req.headers) ? signedInOnly(req, res, next) : next());
  const setupCaller = (req: Request): SetupCaller => ({ ...caller(req), signedInAs: req.auth?.member_id });

  router.post('/api/auth/totp/setup', limited, signedInIfTokenSent, async (req, res) => {
    const setup = await setupTotp(deps, parseInput(credentialsSchema, req.body), setupCaller(req), clock());
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: true, message: 'Scan the QR code, then confirm a code with /api/auth/totp/verify-setup', ...setup });
  });

  router.post('/api/auth/totp/verify-setup', limited, signedInIfTokenSent, async (req, res) => {
    const signedIn = await verifyTotpSetup(deps, parseInput(codeWithCredentialsSchema, req.body), setupCaller(req), clock());
    sendSignedIn(req, res, signedIn, 'TOTP enabled, login successful');
  });

  router.post('/api/auth/verify-totp', limited, async (req, res) => {
    const signedIn = await verifyTotp(deps, parseInput(codeWithCredentialsSchema, req.body), caller(req), clock());
    sendSignedIn(req, res, signedIn, 'Login successful');
  });

  router.post('/api/auth/verify-otp', limited, async (req, res) => {
    const signedIn = await verifyEmailOtp(deps, parseInput(emailOtpSchema, req.body), caller(req), clock());
    sendSignedIn(req, res, signedIn, 'Login successful');
  });

  router.post('/api/auth/sign-out-everywhere', limited, signedInOnly, async (req, res) => {
    await signOutEverywhere(deps, signedInMember(req).member_id, caller(req), clock());
    res.json({ status: true, message: SIGNED_OUT_MESSAGE });
  });

  return router;
}

/** The runbook's answers exactly ({status, requiresTotp|requiresTotpSetup, member_id}); requiresOtp adds its challenge. */
function loginStepBody(step: LoginStep) {
  const { memberId, ...rest } = step;
  if ('challenge' in rest) return { status: true, requiresOtp: true, member_id: memberId, challenge: rest.challenge };
  return { status: true, ...rest, member_id: memberId };
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
      'The credentials travel in the body, so the sign-in steps need no security scheme.',
  );
  const base = { method: 'post' as const, tags: [tag], security: PUBLIC };
  const platformHeader = z.object({
    platform: z.string().optional().openapi({ description: 'Send `ios` to get the JWT in the body as `token` instead of the `token` response header', example: 'ios' }),
  });
  const failure = (description: string) => ({ description, ...jsonContent(statusFailureSchema) });
  const retryLater = (description: string) => ({
    description: `${description}. The Retry-After header (and retryAfterSeconds in the body) says when to try again.`,
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } },
    ...jsonContent(statusFailureSchema),
  });
  const throttled = retryLater(
    'Too many requests from this address (RATE_LIMIT_SIGN_IN_PER_MINUTE), or too many failed passwords from this address or for this login at this address (growing delays)',
  );
  const failures = (extra: Record<number, string>) => ({
    401: failure('Wrong credentials or code'),
    422: failure('Missing or invalid fields'),
    429: throttled,
    503: retryLater('Too many sign-ins in progress on this server (ARGON2_MAX_WAITING), or the database is unavailable'),
    ...Object.fromEntries(Object.entries(extra).map(([status, description]) => [status, failure(description)])),
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
      'other members with TOTP on continue with it, members without TOTP get a 6-digit code by e-mail (requiresOtp) and a `challenge` to send back with it, valid 10 minutes, once. ' +
      'Unknown usernames and wrong passwords get the same answer.',
    request: { body: jsonContent(loginSchema) },
    responses: { 200: { description: 'The next step', ...jsonContent(loginStepSchema) }, ...failures({}) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/totp/setup',
    operationId: 'startTotpSetup',
    summary: 'Start TOTP setup: QR code, secret and 10 backup codes, shown this once',
    description:
      'For a member whose sign-in answered requiresTotpSetup (every admin the first time), with the password alone. Any other member turns TOTP on ' +
      'signed in: with the token the e-mailed code gave them (`token` header), else 401. The secret and backup codes are shown only here; ' +
      'TOTP is on only once verify-setup confirms a code (sent with the same token by members who are not admins).',
    request: { body: jsonContent(credentialsSchema) },
    responses: { 200: { description: 'Scan qrCodeUrl, keep backupCodes', ...jsonContent(totpSetupSchema) }, ...failures({ 409: 'TOTP is already set up' }) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/totp/verify-setup',
    operationId: 'confirmTotpSetup',
    summary: 'Confirm TOTP setup with a code from the app; turns TOTP on and signs in',
    description: 'The first code from the authenticator app after setup. The JWT comes in the `token` response header, or in the body with `platform: ios`.',
    request: { headers: platformHeader, body: jsonContent(codeWithCredentialsSchema) },
    responses: { 200: signedInResponse, ...failures({ 400: 'Setup not started', 409: 'TOTP is already set up' }) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/verify-totp',
    operationId: 'verifyTotp',
    summary: 'Sign in, step two: the current TOTP code or an unused backup code',
    description:
      'One step of clock drift is accepted each way; a code already used cannot be used again. ' +
      'After the right password, 5 wrong codes lock TOTP for the member for 15 minutes (429).',
    request: { headers: platformHeader, body: jsonContent(codeWithCredentialsSchema) },
    responses: { 200: signedInResponse, ...failures({ 400: 'TOTP not set up' }) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/verify-otp',
    operationId: 'verifyEmailCode',
    summary: 'Sign in, step two for members without TOTP: the challenge from login and the 6-digit code from the e-mail',
    description:
      'username is optional; when given it must belong to member_id. Not available to admins. ' +
      'Without the live challenge every answer is the same 401. Five wrong codes use the code up: sign in again for a new one.',
    request: { headers: platformHeader, body: jsonContent(emailOtpSchema) },
    responses: { 200: signedInResponse, ...failures({}) },
  });
  registry.registerPath({
    ...base,
    path: '/api/auth/sign-out-everywhere',
    operationId: 'signOutEverywhere',
    summary: 'Revoke every token of the signed-in member, this one included',
    description: "Moves the member's token version on: every JWT issued before stops working at once, on every API process.",
    security: adminSecurity(registry),
    responses: {
      200: { description: 'Every token issued so far is revoked', ...jsonContent(signedOutSchema) },
      401: failure('No, bad, expired or already revoked token'),
      429: throttled,
      503: retryLater('The database is unavailable'),
    },
  });
}

import { z } from 'zod';
import '../http/openapi';

/** member_id as the runbook sends it (a JSON number); a numeric string is accepted too. */
const MEMBER_ID_MESSAGE = 'member_id must be a positive integer';
export const memberIdField = z
  .union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)], { error: MEMBER_ID_MESSAGE })
  .pipe(z.number({ error: MEMBER_ID_MESSAGE }).int(MEMBER_ID_MESSAGE).positive(MEMBER_ID_MESSAGE).max(4_294_967_295, MEMBER_ID_MESSAGE))
  .openapi({ type: 'integer', example: 7 });

const CODE_MESSAGE = 'code must be a 6-digit code or an 8-character backup code';

/** The code as a string ("123456"); a JSON number is read as the six digits it stands for. */
const codeField = z
  .union([z.string().trim(), z.number().int().min(0).max(999_999).transform((value) => String(value).padStart(6, '0'))], {
    error: CODE_MESSAGE,
  })
  .pipe(z.string().min(6, CODE_MESSAGE).max(32, CODE_MESSAGE))
  .openapi({ type: 'string', example: '123456', description: 'The current 6-digit TOTP code, or an unused 8-character backup code' });

const usernameField = z.string().trim().min(1).max(254).openapi({ example: 'admin' });
const passwordField = z.string().min(1).max(1024).openapi({ example: 'correct horse battery staple' });

export const loginSchema = z.object({ username: usernameField, password: passwordField }).openapi('LoginRequest');

export const credentialsSchema = z
  .object({ username: usernameField, password: passwordField, member_id: memberIdField })
  .openapi('TotpSetupRequest');

export const codeWithCredentialsSchema = z
  .object({ username: usernameField, password: passwordField, member_id: memberIdField, code: codeField })
  .openapi('TotpCodeRequest');

const CHALLENGE_MESSAGE = 'challenge must be the challenge from the login answer';
const challengeField = z
  .string({ error: CHALLENGE_MESSAGE })
  .trim()
  .regex(/^[A-Za-z0-9_-]{43}$/, CHALLENGE_MESSAGE)
  .openapi({ example: 'kq3N0m9Yc1xJ7v2Qe5RtUw8ZbLpHs4AfGd6KjEiOaMn', description: 'The challenge /api/auth/login answered with (requiresOtp)' });

export const emailOtpSchema = z
  .object({
    username: usernameField.optional(),
    member_id: memberIdField,
    challenge: challengeField,
    code: z.string().trim().regex(/^\d{6}$/, 'code must be the 6-digit code from the e-mail').openapi({ example: '042917' }),
  })
  .openapi('EmailOtpRequest');

export const loginStepSchema = z
  .union([
    z.object({ status: z.literal(true), requiresTotp: z.literal(true), member_id: z.number().int() }),
    z.object({ status: z.literal(true), requiresTotpSetup: z.literal(true), member_id: z.number().int() }),
    z.object({
      status: z.literal(true),
      requiresOtp: z.literal(true),
      member_id: z.number().int(),
      challenge: z.string().openapi({ description: 'Send it back to /api/auth/verify-otp with the e-mailed code' }),
    }),
  ])
  .openapi('LoginNextStep', { example: { status: true, requiresTotp: true, member_id: 7 } });

export const signedInSchema = z
  .object({
    status: z.literal(true),
    message: z.string(),
    member_id: z.number().int(),
    role_id: z.number().int(),
    token: z.string().optional().openapi({ description: 'The JWT, only with the header `platform: ios`; otherwise it is in the `token` response header' }),
    backupCodesRemaining: z.number().int().optional().openapi({ description: 'Present when a backup code was used' }),
  })
  .openapi('SignedIn', { example: { status: true, message: 'Login successful', member_id: 7, role_id: 1, token: 'eyJhbGciOiJIUzI1NiIs…' } });

export const totpSetupSchema = z
  .object({
    status: z.literal(true),
    message: z.string(),
    qrCodeUrl: z.string().openapi({ description: 'PNG data URL of the QR code to scan' }),
    otpauthUrl: z.string(),
    secret: z.string().openapi({ description: 'Base32 secret for manual entry; shown only here' }),
    backupCodes: z.array(z.string()).openapi({ description: '10 single-use 8-character codes; shown only here' }),
  })
  .openapi('TotpSetup');

export const signedOutSchema = z
  .object({ status: z.literal(true), message: z.string() })
  .openapi('SignedOutEverywhere', { example: { status: true, message: 'Signed out everywhere: every token issued so far no longer works' } });

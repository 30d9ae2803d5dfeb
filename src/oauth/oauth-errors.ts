import { HttpError } from '../http/errors';

/** The error codes of RFC 6749 §5.2 that the token endpoint answers with. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unauthorized_client' | 'unsupported_grant_type';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_scope: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
};

/** Rendered by the error handler as {"error": code, "error_description": description}. */
export function oauthError(code: OAuthErrorCode, description: string): HttpError {
  // a client that failed to authenticate is told how to (RFC 6749 §5.2 requires it for HTTP Basic)
  const headers: Record<string, string> = code === 'invalid_client' ? { 'WWW-Authenticate': 'Basic realm="IBA partner API", charset="UTF-8"' } : {};
  return new HttpError(STATUS[code], description, { error: code }, headers);
}

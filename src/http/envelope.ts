/**
 * The JSON error envelopes, as the documents fix them, decided by path so errors raised before any
 * router runs (bad JSON, 404) get the right one too:
 *   - partner routes answer {"valid": false, "message"} (the public page);
 *   - the OAuth token endpoint answers {"error", "error_description"} (RFC 6749 §5.2);
 *   - everything else {"status": false, "message"} (the runbook).
 */
export type Envelope = 'valid' | 'status' | 'oauth';

const PARTNER_PREFIX = '/api/external/fuse-metrix';
const CONNECTOR_CONSOLE_PREFIX = '/api/external/fuse-metrix/op';
const OAUTH_PREFIX = '/api/oauth';

export function envelopeFor(path: string): Envelope {
  const lower = path.toLowerCase();
  const underPrefix = (prefix: string) => lower === prefix || lower.startsWith(`${prefix}/`);
  if (underPrefix(OAUTH_PREFIX)) return 'oauth';
  return underPrefix(PARTNER_PREFIX) && !underPrefix(CONNECTOR_CONSOLE_PREFIX) ? 'valid' : 'status';
}

/** The RFC 6749 error code for an OAuth failure that did not name one. */
function oauthErrorCode(status: number): string {
  if (status === 401) return 'invalid_client';
  // a rate limit or an outage: RFC 6749's word for "come back later" (with Retry-After)
  if (status === 429 || status >= 500) return 'temporarily_unavailable';
  return 'invalid_request';
}

export function failureBody(path: string, status: number, message: string, extra: Record<string, unknown> = {}) {
  const envelope = envelopeFor(path);
  if (envelope === 'oauth') {
    const { error, ...rest } = extra;
    return { error: typeof error === 'string' ? error : oauthErrorCode(status), error_description: message, ...rest };
  }
  return { [envelope]: false, message, ...extra };
}

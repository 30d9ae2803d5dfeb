/**
 * Every test talks to the API from one address (loopback), so limits per client address would trip
 * across unrelated tests. These raise them; the tests of the limits themselves set their own values
 * (an empty string brings back the default).
 */
export const GENEROUS_LIMITS: Record<string, string> = {
  RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000',
  RATE_LIMIT_PAGES_PER_MINUTE: '100000',
  RATE_LIMIT_DOCS_PER_MINUTE: '100000',
  RATE_LIMIT_HEALTH_PER_MINUTE: '100000',
  RATE_LIMIT_OAUTH_TOKEN_PER_MINUTE: '100000',
  PARTNER_AUTH_FAILURES_PER_MINUTE: '100000',
  SIGN_IN_FREE_FAILURES_PER_ADDRESS: '100000',
};

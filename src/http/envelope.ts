/**
 * Two JSON envelopes, as the partner page and the runbook show them:
 * partner routes answer {"valid": bool, "message"}, everything else {"status": bool, "message"}.
 * Decided by path, so errors raised before any router runs (bad JSON, 404) get the right one too.
 */
export type EnvelopeKey = 'valid' | 'status';

const PARTNER_PREFIX = '/api/external/fuse-metrix';
const CONNECTOR_CONSOLE_PREFIX = '/api/external/fuse-metrix/op';

export function envelopeKeyFor(path: string): EnvelopeKey {
  const lower = path.toLowerCase();
  const underPrefix = (prefix: string) => lower === prefix || lower.startsWith(`${prefix}/`);
  return underPrefix(PARTNER_PREFIX) && !underPrefix(CONNECTOR_CONSOLE_PREFIX) ? 'valid' : 'status';
}

export function failureBody(path: string, message: string, extra: Record<string, unknown> = {}) {
  return { [envelopeKeyFor(path)]: false, message, ...extra };
}

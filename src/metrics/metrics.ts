import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { CountingHistogram, type HistogramSeries } from './counting-histogram';

/**
 * The process's event metrics: counters that code anywhere bumps with one call (a lockout, an e-mail
 * sent, a bad partner signature) and the HTTP latency histogram. One registry per process, because
 * these events happen deep inside services that know nothing of the app; the app's /metrics route
 * adds its scrape-time gauges (outbox, pool) from the app's own pool beside them.
 *
 * Every label value comes from a small fixed set chosen by the code (route patterns, connector ids,
 * template ids, kinds), never from what a client sent, so no request can create new series.
 */
export const processRegistry = new Registry();

// event-loop lag, heap and resident memory, CPU, handles, GC: prom-client's standard process metrics
collectDefaultMetrics({ register: processRegistry });

const httpRequestDuration = new CountingHistogram(
  'http_request_duration_seconds',
  'Time from the request arriving to the response being handed to the socket, by method, route pattern and status code',
  [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
);
processRegistry.registerMetric(httpRequestDuration.asMetric());

const emailsSent = new Counter({
  name: 'iba_emails_sent_total',
  help: 'E-mails handed to the mail server (or written as .eml files), by template',
  labelNames: ['template'] as const,
  registers: [processRegistry],
});

const emailSendFailures = new Counter({
  name: 'iba_email_send_failures_total',
  help: 'Failed attempts to send an e-mail (each attempt counts; the message is retried or parked), by template',
  labelNames: ['template'] as const,
  registers: [processRegistry],
});

const emailsParked = new Counter({
  name: 'iba_emails_parked_total',
  help: 'E-mails given up on after MAIL_MAX_ATTEMPTS attempts or MAIL_MAX_AGE_HOURS, parked as failed for an admin to re-queue, by template',
  labelNames: ['template'] as const,
  registers: [processRegistry],
});

const pinLockouts = new Counter({
  name: 'iba_pin_lockouts_total',
  help: "Members whose PIN checks were locked after too many wrong PINs",
  registers: [processRegistry],
});

const signInLockouts = new Counter({
  name: 'iba_sign_in_lockouts_total',
  help: 'Sign-ins refused after too many wrong answers, by factor: password (a throttled attempt, counted each time), totp or email_otp (a lock starting)',
  labelNames: ['factor'] as const,
  registers: [processRegistry],
});

const wrongPins = new Counter({
  name: 'iba_partner_wrong_pins_total',
  help: 'Wrong PINs sent to validate-pin, by connector id: a rise is a guessing attack through a partner (or a broken desk)',
  labelNames: ['connector'] as const,
  registers: [processRegistry],
});

const signatureFailures = new Counter({
  name: 'iba_partner_signature_failures_total',
  help: 'Partner requests refused by the signature check, by connector id ("unknown" when the client id is missing or matches no connector) and reason',
  labelNames: ['connector', 'reason'] as const,
  registers: [processRegistry],
});

/** Label for requests that matched no route: unknown paths, bodies refused before routing, static files. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Connector label when the request names no known connector: the client id itself is attacker-chosen. */
export const UNKNOWN_CONNECTOR = 'unknown';

export type SignatureFailureReason =
  // the public page's HMAC
  | 'missing_client_id'
  | 'missing_token'
  | 'unknown_client_id'
  | 'wrong_token'
  // the timestamped signature
  | 'missing_header'
  | 'timestamp_outside_window'
  | 'wrong_signature'
  | 'replayed_signature'
  // OAuth access tokens
  | 'invalid_access_token'
  // any method: the connector may not sign this way, or lacks the route's scope
  | 'method_not_allowed'
  | 'missing_scope';

/**
 * Counts a partner request refused by the signature check and hands back the error to throw, so the
 * check's `throw error` lines stay one line each: `throw countedSignatureFailure(id, 'wrong_token', error)`.
 * Pass the connector's id once it is known, null before (the client id itself never becomes a label).
 */
export function countedSignatureFailure<E>(connectorId: number | null, reason: SignatureFailureReason, error: E): E {
  signatureFailures.inc({ connector: connectorId === null ? UNKNOWN_CONNECTOR : String(connectorId), reason });
  return error;
}

export function recordWrongPin(connectorId: number): void {
  wrongPins.inc({ connector: String(connectorId) });
}

/** A lock has just been set on a member's guesses of one kind of secret ('pin', or a sign-in factor). */
export function recordLockout(kind: string): void {
  if (kind === 'pin') pinLockouts.inc();
  else signInLockouts.inc({ factor: kind });
}

export function recordEmailSent(template: string): void {
  emailsSent.inc({ template });
}

export function recordEmailSendFailure(template: string): void {
  emailSendFailures.inc({ template });
}

export function recordEmailParked(template: string): void {
  emailsParked.inc({ template });
}

/**
 * The histogram's series per route, method and status, made the first time each combination is seen
 * and then reused: a request costs a few map lookups and a few additions, nothing built per request.
 * Keyed by Express's route object, so the label is its pattern (/flight-time/:token), never the URL.
 */
const seriesByRoute = new WeakMap<object, Map<string, Map<number, HistogramSeries>>>();
const unmatchedRoute = {};

function httpSeries(route: { path: string } | undefined, method: string, statusCode: number): HistogramSeries {
  const key = route ?? unmatchedRoute;
  let byMethod = seriesByRoute.get(key);
  if (!byMethod) {
    byMethod = new Map();
    seriesByRoute.set(key, byMethod);
  }
  let byStatus = byMethod.get(method);
  if (!byStatus) {
    byStatus = new Map();
    byMethod.set(method, byStatus);
  }
  let series = byStatus.get(statusCode);
  if (!series) {
    series = httpRequestDuration.seriesFor({ method, route: route ? String(route.path) : UNMATCHED_ROUTE, status_code: String(statusCode) });
    byStatus.set(statusCode, series);
  }
  return series;
}

/** One answered request: its matched route (undefined when none matched), method, status and duration. */
export function observeHttpRequest(route: { path: string } | undefined, method: string, statusCode: number, seconds: number): void {
  httpRequestDuration.record(httpSeries(route, method, statusCode), seconds);
}

const retentionDeletions = new Counter({
  name: 'iba_retention_deleted_rows_total',
  help: 'Rows deleted by the retention job, by kind (sentEmails, failedEmails, flightTimeLinks, emailCodes, attemptCounters)',
  labelNames: ['kind'] as const,
  registers: [processRegistry],
});

/** What one retention pass deleted, by kind. */
export function recordRetentionDeletions(deleted: Record<string, number>): void {
  for (const [kind, rows] of Object.entries(deleted)) retentionDeletions.inc({ kind }, rows);
}

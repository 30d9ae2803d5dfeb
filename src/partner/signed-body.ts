import type { IncomingMessage } from 'node:http';
import { headerOf } from '../http/check-in-lane';
import { badRequest, HttpError } from '../http/errors';

export const GET_WITH_BODY = 'A GET request must not carry a body: send the member id in the query string';

const hasBody = (req: IncomingMessage) => Number(headerOf(req, 'content-length') ?? 0) > 0 || headerOf(req, 'transfer-encoding') !== undefined;

/**
 * A GET is judged on its query alone, so a body on it is refused rather than ignored: a captured
 * body and token must not vouch for another member named in the query.
 */
export function refuseGetWithBody(req: IncomingMessage): void {
  if ((req.method === 'GET' || req.method === 'HEAD') && (hasBody(req) || (req.rawBody?.length ?? 0) > 0)) throw badRequest(GET_WITH_BODY);
}

/**
 * A body the JSON parser did not read (a form, plain text) cannot be checked against a signature:
 * say so instead of answering that the signature does not match.
 */
export function refuseUnparsedBody(req: IncomingMessage): void {
  if (hasBody(req) && req.rawBody === undefined) throw new HttpError(415, 'Request body must be JSON (Content-Type: application/json)');
}

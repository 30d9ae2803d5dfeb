/**
 * The one error type services and middleware throw. The central error handler renders it in the
 * envelope of the route it happened on; nothing else renders errors.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra fields for the JSON body (e.g. retryAfterSeconds). Never secrets. */
    readonly extra: Record<string, unknown> = {},
    /** Response headers that belong to this answer (e.g. WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string) => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const unprocessable = (message: string) => new HttpError(422, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new HttpError(429, message, { retryAfterSeconds });
/** A rate limit's 429: "<what>: try again in N seconds". */
export const rateLimited = (what: string, retryAfterSeconds: number) =>
  tooManyRequests(`${what}: try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`, retryAfterSeconds);

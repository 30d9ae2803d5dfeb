import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app';
import { isDatabaseUnavailableError } from '../db/errors';
import { type OpenAPIRegistry, PUBLIC } from '../http/openapi';
import { rateLimit } from '../http/rate-limit';
import { submitFlightTime, viewFlightTimeLink, type ClosedLink } from './flight-time.service';
import { renderFlightTimeForm, renderFlightTimeSaved, renderMessagePage } from './pages';

export const FLIGHT_TIME_PATH = '/flight-time/:token';

const CLOSED_PAGES: Record<ClosedLink['state'], { status: number; title: string; message: string }> = {
  unknown: {
    status: 404,
    title: 'This link is not valid',
    message: 'We could not find this flight-time link. Please use the link exactly as it appears in your e-mail.',
  },
  used: {
    status: 410,
    title: 'This link has already been used',
    message: 'The flight time for this booking has already been saved. Each link can be used once.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    message: 'Flight-time links stay valid for a limited time after the booking. Please contact your tunnel to correct the time.',
  },
};

function sendPage(res: Response, status: number, html: string): void {
  // the page carries a one-time token in its URL: keep it out of caches
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

function sendClosed(res: Response, state: ClosedLink['state']): void {
  const page = CLOSED_PAGES[state];
  sendPage(res, page.status, renderMessagePage(page.title, page.message));
}

/** These are pages a person opens from an e-mail: even a failure is an HTML page, never JSON or a stack. */
function htmlPage(handler: (req: Request<{ token: string }>, res: Response) => Promise<void>): RequestHandler<{ token: string }> {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (error) {
      const unavailable = isDatabaseUnavailableError(error);
      req.log?.error({ err: error }, unavailable ? 'database unavailable' : 'flight-time page failed');
      if (res.headersSent) return void res.end();
      if (unavailable) res.setHeader('Retry-After', '5');
      sendPage(
        res,
        unavailable ? 503 : 500,
        renderMessagePage('Something went wrong', 'Your flight time was not saved. Please try the link again in a few minutes.'),
      );
    }
  };
}

export function createFlightTimeRouter(deps: Pick<AppDeps, 'pool' | 'clock' | 'config'>): Router {
  const router = Router();

  // per client address, shared by every API process; refused with a page, as everything here is a page
  router.use(
    '/flight-time',
    rateLimit(deps.pool, {
      name: 'flight-time',
      perMinute: deps.config.RATE_LIMIT_PAGES_PER_MINUTE,
      refuse: (_req, res, retryAfterSeconds) => {
        res.setHeader('Retry-After', String(retryAfterSeconds));
        sendPage(res, 429, renderMessagePage('Too many requests', `Please wait ${retryAfterSeconds} seconds, then open the link again.`));
      },
    }),
  );

  router.get(
    FLIGHT_TIME_PATH,
    htmlPage(async (req, res) => {
      const view = await viewFlightTimeLink(deps.pool, req.params.token, deps.clock());
      if (view.state !== 'open') return sendClosed(res, view.state);
      sendPage(res, 200, renderFlightTimeForm(view.booking, req.originalUrl));
    }),
  );

  router.post(
    FLIGHT_TIME_PATH,
    htmlPage(async (req, res) => {
      const body: unknown = req.body;
      const submitted = body && typeof body === 'object' ? (body as Record<string, unknown>).minutes : undefined;
      const outcome = await submitFlightTime(deps.pool, req.params.token, submitted, deps.clock());
      switch (outcome.state) {
        case 'invalid':
          return sendPage(res, 422, renderFlightTimeForm(outcome.booking, req.originalUrl, outcome.message, outcome.submitted));
        case 'saved':
          return sendPage(res, 200, renderFlightTimeSaved(outcome.booking, outcome.minutes));
        default:
          return sendClosed(res, outcome.state);
      }
    }),
  );

  return router;
}

const tokenParam = z.object({
  token: z.string().openapi({ description: 'The one-time token from the e-mailed link', example: 'q8Jm3x...' }),
});
const htmlContent = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

export const flightTimeFormSchema = z
  .object({ minutes: z.string().openapi({ description: 'Minutes actually flown: a whole number from 1 to the minutes booked', example: '7' }) })
  .openapi('FlightTimeForm');

export function describeFlightTimeRoutes(registry: OpenAPIRegistry): void {
  const tag = registry.registerTag(
    'Flight time',
    'The web form a member opens from the booking e-mail to correct the minutes flown. The one-time token in the path is the only credential.',
  );
  const base = { tags: [tag], security: PUBLIC };
  const closed = {
    404: htmlContent('Unknown or malformed link: "This link is not valid"'),
    410: htmlContent('"This link has already been used" or "This link has expired"'),
    429: htmlContent('"Too many requests": more than RATE_LIMIT_PAGES_PER_MINUTE from this address in a minute (Retry-After)'),
  };
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/flight-time/{token}',
    operationId: 'showFlightTimeForm',
    summary: 'The flight-time web form (opening it never uses the link up)',
    description: 'Server-rendered page from the e-mail sent after a FuzeMetrix booking: tunnel, date, booked minutes and a form.',
    request: { params: tokenParam },
    responses: { 200: htmlContent('The form'), ...closed },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/flight-time/{token}',
    operationId: 'saveFlightTime',
    summary: 'Save the minutes actually flown and use the link up',
    description: 'The form post: whole minutes from 1 to the minutes booked. Saving updates the logbook entry and the booking and uses the link up.',
    request: {
      params: tokenParam,
      body: { content: { 'application/x-www-form-urlencoded': { schema: flightTimeFormSchema } } },
    },
    responses: {
      200: htmlContent('Confirmation: "Thanks! Your flight time is now N minutes."'),
      ...closed,
      422: htmlContent('The form again with a message: minutes must be a whole number from 1 to the minutes booked'),
    },
  });
}

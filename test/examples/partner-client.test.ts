import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPartnerClient, type PartnerClient, type SigningMethod } from '../../examples/partner-client/partner-client';
import { partnerOpenApiDocument } from '../../src/cli/openapi-document';
import { PROJECT_ROOT } from '../../src/config';
import { updateConnectorAccess } from '../../src/connectors/connector.model';
import type { RowDataPacket } from '../../src/db/pool';
import { DEMO_CONNECTOR, seedDemoData } from '../../src/demo/demo-data';
import { selectRows, uniqueNumber } from '../helpers/factories';
import { startValidatingProxy, type ValidatingProxy } from '../helpers/openapi-proxy';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The typed partner client of examples/partner-client: its types are what openapi-typescript makes
 * of the document today, and it works against the demo data for every partner route with every
 * signing method, through the validating proxy. The compiler checks the calls against the document
 * (npm test type-checks this file); the proxy and the assertions check the answers against it.
 */

const TYPES = path.join(PROJECT_ROOT, 'examples', 'partner-client', 'partner-api.d.ts');

let t: TestContext;
let proxy: ValidatingProxy;
let demoConnectorId: number;
beforeAll(async () => {
  t = await createTestContext();
  await seedDemoData(t.pool, t.config, new Date());
  const [connector] = await selectRows<RowDataPacket>(t.pool, 'SELECT id FROM fuse_metrix WHERE clientId = ?', [DEMO_CONNECTOR.clientId]);
  demoConnectorId = connector.id;
  proxy = await startValidatingProxy(t.app);
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await t.close();
});

const clientFor = (method: SigningMethod): PartnerClient =>
  createPartnerClient({ baseUrl: proxy.url, clientId: DEMO_CONNECTOR.clientId, clientSecret: DEMO_CONNECTOR.secret, method });

/** Only `method` is enabled for the demo connector, so an answer proves the client signed with it. */
const allowOnly = (method: SigningMethod) => updateConnectorAccess(t.pool, demoConnectorId, { authMethods: [method], scopes: ['members:read', 'bookings:write'] });

describe('examples/partner-client/partner-api.d.ts', () => {
  it('is what openapi-typescript generates from the partner operations of the document (else: npm run openapi:client)', async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'partner-client-'));
    try {
      fs.writeFileSync(path.join(scratch, 'partner-openapi.json'), JSON.stringify(partnerOpenApiDocument()));
      await new Promise<void>((resolve, reject) =>
        execFile(
          path.join(PROJECT_ROOT, 'node_modules', '.bin', 'openapi-typescript'),
          [path.join(scratch, 'partner-openapi.json'), '--output', path.join(scratch, 'partner-api.d.ts')],
          { cwd: PROJECT_ROOT, timeout: 60_000 },
          (error, _stdout, stderr) => (error ? reject(new Error(`openapi-typescript failed: ${stderr}`)) : resolve()),
        ),
      );
      expect(fs.readFileSync(TYPES, 'utf8')).toBe(fs.readFileSync(path.join(scratch, 'partner-api.d.ts'), 'utf8'));
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('types the partner operations and nothing of the admin console or sign-in', () => {
    const types = fs.readFileSync(TYPES, 'utf8');
    const paths = [...types.matchAll(/^ {4}"(\/[^"]+)": \{$/gm)].map((match) => match[1]);
    expect(paths).toEqual(['/api/external/fuse-metrix/validate-pin', '/api/external/fuse-metrix/get-member', '/api/external/fuse-metrix/create-booking', '/api/oauth/token']);
  });
});

describe.each<SigningMethod>(['timestamped-signature', 'oauth', 'legacy-hmac'])('the typed partner client signing with %s', (method) => {
  let iba: PartnerClient;
  beforeAll(async () => {
    await allowOnly(method);
    iba = clientFor(method);
  });
  afterEach(() => proxy.expectEveryExchangeDescribed());

  it('validates member 60649 with PIN 67510, and answers a wrong PIN with the typed 422', async () => {
    const valid = await iba.POST('/api/external/fuse-metrix/validate-pin', { body: { member_id: 60649, member_pin: '67510' } });
    expect(valid.response.status).toBe(200);
    expect(valid.data).toEqual({ valid: true, message: 'Member validated successfully' });

    const wrong = await iba.POST('/api/external/fuse-metrix/validate-pin', { body: { member_id: 60649, member_pin: '67511' } });
    expect(wrong.response.status).toBe(422);
    expect(wrong.error).toEqual({ valid: false, message: 'Invalid PIN' });
  });

  it('reads member 40 with get-member, POST and GET', async () => {
    const expected = {
      valid: true,
      member_id: 40,
      screen_name: 'Rusty Lewis',
      role_name: 'Examiner',
      tunnel_name: 'Support Center',
      is_coach: true,
      total_flight_time: '0:53',
      flyer_currency_status: 'Active',
    };
    const posted = await iba.POST('/api/external/fuse-metrix/get-member', { body: { member_id: 40 } });
    expect(posted.response.status).toBe(200);
    expect(posted.data).toMatchObject(expected);
    const got = await iba.GET('/api/external/fuse-metrix/get-member', { params: { query: { member_id: 40 } } });
    expect(got.response.status).toBe(200);
    expect(got.data).toEqual(posted.data);
    // the answer is typed: a flyer's currency is one of two words
    const status: 'Active' | 'Inactive' | undefined = got.data?.flyer_currency_status;
    expect(status).toBe('Active');
  });

  it('books a check-in for 60649 at FuzeMetrix tunnel 25: a logbook entry from this connector', async () => {
    const now = Math.floor(Date.now() / 1000);
    const purchaseId = uniqueNumber();
    const booked = await iba.POST('/api/external/fuse-metrix/create-booking', {
      body: { member_id: 60649, purchase_id: purchaseId, purchase_date: now - 3600, flight_date: now - 600, minutes_booked: 9, product_id: 12893, tunnel_id: 25, checkin_time: now - 600 },
    });
    expect(booked.response.status).toBe(200);
    expect(booked.data).toEqual({ valid: true, message: 'Booking created successfully' });
    const rows = await selectRows<RowDataPacket>(
      t.pool,
      'SELECT b.connector_id, l.minutes FROM bookings b JOIN logbook_entries l ON l.booking_id = b.booking_id WHERE b.purchase_id = ?',
      [purchaseId],
    );
    expect(rows).toEqual([{ connector_id: demoConnectorId, minutes: 9 }]);
  });

  it('is refused once the method is disabled for the connector', async () => {
    const others = (['timestamped-signature', 'oauth', 'legacy-hmac'] as const).filter((other) => other !== method);
    await updateConnectorAccess(t.pool, demoConnectorId, { authMethods: others, scopes: ['members:read', 'bookings:write'] });
    const body = { member_id: 40, member_pin: '123456' };
    if (method === 'oauth') {
      // the token the client holds stopped working with the change; the next one is refused at the token endpoint
      const stale = await iba.POST('/api/external/fuse-metrix/validate-pin', { body });
      expect(stale.response.status).toBe(401);
      expect(stale.error?.valid).toBe(false);
      await expect(iba.POST('/api/external/fuse-metrix/validate-pin', { body })).rejects.toThrow('IBA refused an access token: unauthorized_client');
      return;
    }
    // legacy checks may reuse the connector's row for up to a second
    if (method === 'legacy-hmac') await new Promise((resolve) => setTimeout(resolve, 1100));
    const refused = await iba.POST('/api/external/fuse-metrix/validate-pin', { body });
    expect(refused.response.status).toBe(403);
    expect(refused.error).toEqual({ valid: false, message: `This connector may not sign requests with the ${method} method` });
  });
});

/**
 * Calls the compiler refuses, checked by `npm test` (tsc type-checks this file): each line compiles
 * only because of its @ts-expect-error, and tsc fails on one that is not needed. Never called.
 */
export function callsTheDocumentDoesNotAllow(iba: PartnerClient) {
  // @ts-expect-error member_pin is required
  void iba.POST('/api/external/fuse-metrix/validate-pin', { body: { member_id: 60649 } });
  // @ts-expect-error tunnel_id is a number
  void iba.POST('/api/external/fuse-metrix/create-booking', { body: { member_id: 1, purchase_id: 1, purchase_date: 1, flight_date: 1, minutes_booked: 9, product_id: 1, tunnel_id: 'Rotterdam', checkin_time: 1 } });
  // @ts-expect-error no such partner route
  void iba.POST('/api/external/fuse-metrix/delete-member', { body: {} });
  // @ts-expect-error the admin console is not in the partner types
  void iba.GET('/api/external/fuse-metrix/op', {});
}

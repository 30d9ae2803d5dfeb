import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
let document: {
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }>; parameters?: Array<{ name: string; in: string }>; description?: string }>>;
  components: { schemas: Record<string, { example?: unknown }>; securitySchemes: Record<string, { in: string; name: string }> };
};

beforeAll(async () => {
  t = await createTestContext();
  document = (await t.request().get('/api/openapi.json').expect(200)).body;
});
afterAll(() => t.close());

const exampleMessages = (path: string, method: string, status: string) =>
  Object.values(document.paths[path][method].responses[status].content?.['application/json'].examples ?? {}).map(
    (example) => (example.value as { message: string }).message,
  );

describe('GET /api/openapi.json (partner routes)', () => {
  it('describes validate-pin, get-member (POST and GET) and create-booking behind the three signing methods, with their scopes', () => {
    const routes = [
      ['/api/external/fuse-metrix/validate-pin', 'post', 'members:read'],
      ['/api/external/fuse-metrix/get-member', 'post', 'members:read'],
      ['/api/external/fuse-metrix/get-member', 'get', 'members:read'],
      ['/api/external/fuse-metrix/create-booking', 'post', 'bookings:write'],
    ];
    for (const [path, method, scope] of routes) {
      expect(document.paths[path][method].security).toEqual([
        { PartnerApiKey: [], PartnerTimestamp: [], PartnerSignature: [] },
        { PartnerOAuth: [scope] },
        { PartnerClientId: [], PartnerToken: [] },
        { PartnerClientId: [], PartnerAuthorization: [] },
        { PartnerLegacyClientId: [], PartnerToken: [] },
        { PartnerLegacyClientId: [], PartnerAuthorization: [] },
      ]);
    }
    expect(document.components.securitySchemes.PartnerApiKey).toMatchObject({ in: 'header', name: 'X-API-KEY' });
    expect(document.components.securitySchemes.PartnerSignature).toMatchObject({ in: 'header', name: 'X-SIGNATURE' });
    expect(document.components.securitySchemes.PartnerOAuth).toMatchObject({ type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/api/oauth/token' } } });
    expect(document.components.securitySchemes.PartnerClientId).toMatchObject({ in: 'header', name: 'client-id' });
    expect(document.components.securitySchemes.PartnerLegacyClientId).toMatchObject({ in: 'header', name: 'clientid' });
    expect(document.components.securitySchemes.PartnerToken).toMatchObject({ in: 'header', name: 'token' });
    expect(document.components.securitySchemes.PartnerAuthorization).toMatchObject({ in: 'header', name: 'Authorization' });
  });

  it("uses the page's request and response examples", () => {
    const { schemas } = document.components;
    expect(schemas.ValidatePinRequest.example).toEqual({ member_id: 60649, member_pin: '67510' });
    expect(schemas.GetMemberRequest.example).toEqual({ member_id: 60649 });
    expect(schemas.CreateBookingRequest.example).toEqual({
      member_id: 60649,
      purchase_id: 215312,
      purchase_date: 1744131450,
      flight_date: 1744098000,
      minutes_booked: 9,
      product_id: 12893,
      tunnel_id: 25,
      checkin_time: 1744098000,
    });
    expect(schemas.PartnerMember.example).toMatchObject({ member_id: 40, total_flight_time: '0:53', flyer_currency_status: 'Active' });
  });

  it('lists the error answers with the exact messages of the page', () => {
    const validatePin = '/api/external/fuse-metrix/validate-pin';
    expect(exampleMessages(validatePin, 'post', '400')).toEqual([
      'Please provide client id for access the data',
      'Please provide token to access the resource',
      'A GET request must not carry a body: send the member id in the query string',
    ]);
    expect(exampleMessages(validatePin, 'post', '403')).toEqual(expect.arrayContaining(['Your token does not match']));
    expect(exampleMessages(validatePin, 'post', '401')).toEqual(expect.arrayContaining(['X-SIGNATURE has already been used: sign every request anew']));
    expect(exampleMessages(validatePin, 'post', '404')).toEqual(['Client id does not match with data']);
    expect(exampleMessages(validatePin, 'post', '422')).toEqual(expect.arrayContaining(['Member not found', 'Invalid PIN', 'Invalid member ID']));
    expect((document.paths[validatePin].post.responses['429'].content?.['application/json'] as { schema?: unknown }).schema).toEqual({ $ref: '#/components/schemas/PartnerTooManyRequests' });
    expect(exampleMessages(validatePin, 'post', '429')).toEqual([
      'Too many invalid PIN attempts. Try again in 15 minutes',
      'Too many requests from this connector: try again in 12 seconds',
    ]);
    expect(document.components.schemas.PartnerTooManyRequests.example).toEqual({
      valid: false,
      message: 'Too many invalid PIN attempts. Try again in 15 minutes',
      retryAfterSeconds: 900,
    });
    for (const status of ['413', '415', '503']) expect(document.paths[validatePin].post.responses[status]).toBeDefined();
    expect(exampleMessages('/api/external/fuse-metrix/create-booking', 'post', '422')).toEqual(
      expect.arrayContaining(['Member not found', 'Tunnel not found', 'Booking already exits']),
    );
  });

  it('documents how a GET get-member is signed, and its member_id query parameter', () => {
    const get = document.paths['/api/external/fuse-metrix/get-member'].get;
    expect(get.parameters).toEqual([expect.objectContaining({ name: 'member_id', in: 'query' })]);
    expect(get.description).toContain('JSON.stringify({"member_id": 60649})');
  });
});

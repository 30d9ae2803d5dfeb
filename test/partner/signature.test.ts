import { randomBytes } from 'node:crypto';
import { unixSeconds } from '../../src/clock';
import { createConnector, createMember, type CreatedConnector, type CreatedMember } from '../helpers/factories';
import { partnerToken, signedPost, tokenForText } from '../helpers/signed-request';
import { createTestContext, type TestContext } from '../helpers/test-app';

const VALIDATE_PIN = '/api/external/fuse-metrix/validate-pin';
const OK = { valid: true, message: 'Member validated successfully' };

let t: TestContext;
let connector: CreatedConnector;
let member: CreatedMember;
let body: { member_id: number; member_pin: string };

beforeAll(async () => {
  t = await createTestContext();
  connector = await createConnector(t.pool);
  member = await createMember(t.pool, t.config.PIN_PEPPER, { pin: '67510' });
  body = { member_id: member.member_id, member_pin: '67510' };
});
afterAll(() => t.close());

describe('the signature check in front of the partner routes', () => {
  it('accepts the page example: client-id header and the token in Authorization', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { clientIdHeader: 'client-id', tokenPlacement: 'Authorization' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it('accepts the legacy clientid header spelling', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { clientIdHeader: 'clientid' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it('accepts the token in a header named token (the runbook)', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { tokenPlacement: 'token' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it('accepts the token as Authorization: Bearer <token>', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { tokenPlacement: 'Authorization: Bearer', clientIdHeader: 'clientid' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it('accepts a pretty-printed body signed exactly as sent', async () => {
    const pretty = `{\n    "member_id": ${member.member_id},\n    "member_pin": "67510"\n}\n`;
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, null, { rawBody: pretty });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it('accepts a pretty-printed body signed as JSON.stringify of the same object (what the runbook says the server signs)', async () => {
    const pretty = JSON.stringify(body, null, 2);
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, null, { rawBody: pretty, token: partnerToken(connector.secret, body) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it('accepts a token in capital hex', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { token: partnerToken(connector.secret, body).toUpperCase() });
    expect(res.status).toBe(200);
  });

  it('accepts a connector inserted by hand with the runbook SQL and credentials made as the runbook makes them', async () => {
    const handMade = { clientId: randomBytes(16).toString('hex'), secret: randomBytes(16).toString('base64') };
    await t.pool.query(
      `INSERT INTO fuse_metrix (email, created_by, secret, clientId, created_at) VALUES ('partner@example.com', 1, '${handMade.secret}', '${handMade.clientId}', UNIX_TIMESTAMP())`,
    );
    const res = await signedPost(t.request(), handMade, VALIDATE_PIN, body, { tokenPlacement: 'token' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(OK);
  });

  it("answers 400 'Please provide client id for access the data' without a client id, before looking at the token", async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { clientIdHeader: 'none', tokenPlacement: 'none' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ valid: false, message: 'Please provide client id for access the data' });
  });

  it("answers 400 'Please provide client id for access the data' for an empty client-id header", async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body).set('client-id', '');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ valid: false, message: 'Please provide client id for access the data' });
  });

  it("answers 400 'Please provide token to access the resource' without a token", async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { tokenPlacement: 'none' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ valid: false, message: 'Please provide token to access the resource' });
  });

  it("answers 400 'Please provide token to access the resource' for an empty Bearer", async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { tokenPlacement: 'none' }).set('Authorization', 'Bearer ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ valid: false, message: 'Please provide token to access the resource' });
  });

  it("answers 404 'Client id does not match with data' for an unknown client id", async () => {
    const res = await signedPost(t.request(), { clientId: 'no-such-client', secret: connector.secret }, VALIDATE_PIN, body);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ valid: false, message: 'Client id does not match with data' });
  });

  it('answers 404 for a client id that differs only in letter case (a client id is a credential)', async () => {
    const res = await signedPost(t.request(), { clientId: connector.clientId.toUpperCase(), secret: connector.secret }, VALIDATE_PIN, body);
    expect(res.status).toBe(404);
  });

  it("answers 403 'Your token does not match' for a token made with another secret", async () => {
    const res = await signedPost(t.request(), { clientId: connector.clientId, secret: 'not-the-secret' }, VALIDATE_PIN, body);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'Your token does not match' });
  });

  it('answers 403 for a token over a different body (a changed PIN or member id)', async () => {
    const token = partnerToken(connector.secret, { ...body, member_pin: '11111' });
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'Your token does not match' });
  });

  it('answers 403 for a token that is not hex at all', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body, { token: "' OR 1=1 --" });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ valid: false, message: 'Your token does not match' });
  });

  it('answers 403 for the signature of the body with other whitespace than sent', async () => {
    const sent = `{"member_id":${member.member_id},   "member_pin":"67510"}`;
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, null, { rawBody: sent, token: tokenForText(connector.secret, `${sent} `) });
    expect(res.status).toBe(403);
  });

  it('answers 415 in the partner envelope for a form-encoded body, which cannot be checked byte for byte', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, null, {
      rawBody: `member_id=${member.member_id}&member_pin=67510`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ valid: false, message: 'Request body must be JSON (Content-Type: application/json)' });
  });

  it('accepts a body sent without Content-Type (read as JSON)', async () => {
    const res = await signedPost(t.request(), connector, VALIDATE_PIN, body).unset('Content-Type');
    expect(res.status).toBe(200);
  });

  describe('secret rotation overlap', () => {
    it('accepts the previous secret while previous_secret_expires_at lies ahead, and refuses it afterwards', async () => {
      const rotated = await createConnector(t.pool);
      const expiresAt = unixSeconds(new Date()) + 3600;
      await t.pool.execute('UPDATE fuse_metrix SET secret = ?, previous_secret = ?, previous_secret_expires_at = ? WHERE id = ?', [
        'the-new-secret',
        rotated.secret,
        expiresAt,
        rotated.id,
      ]);

      const withOld = await signedPost(t.request(), rotated, VALIDATE_PIN, body);
      expect(withOld.status).toBe(200);
      const withNew = await signedPost(t.request(), { clientId: rotated.clientId, secret: 'the-new-secret' }, VALIDATE_PIN, body);
      expect(withNew.status).toBe(200);

      t.setNow(new Date((expiresAt + 1) * 1000));
      try {
        const expired = await signedPost(t.request(), rotated, VALIDATE_PIN, body);
        expect(expired.status).toBe(403);
        expect(expired.body).toEqual({ valid: false, message: 'Your token does not match' });
        const stillNew = await signedPost(t.request(), { clientId: rotated.clientId, secret: 'the-new-secret' }, VALIDATE_PIN, body);
        expect(stillNew.status).toBe(200);
      } finally {
        t.setNow(null);
      }
    });
  });

  it('leaves the admin console paths under /op to their own checks', async () => {
    const res = await t.request().get('/api/external/fuse-metrix/op/');
    expect(res.body.message).not.toBe('Please provide client id for access the data');
  });
});

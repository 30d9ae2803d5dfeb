import express from 'express';
import supertest from 'supertest';
import { startValidatingProxy, type ValidatingProxy } from '../helpers/openapi-proxy';

/**
 * The validating proxy the replay tests go through (test/helpers/openapi-proxy.ts) reports what a
 * document does not describe: a request, a response, a path it cannot match. Shown on a small app
 * whose document describes the connector list as /op and /op/{id} only, as the app's did before
 * the runbook's trailing-slash spelling was described.
 */
const app = express();
app.get('/op', (_req, res) => void res.json({ status: true, data: [] }));
app.get('/op/:id', (req, res) => void res.json({ status: true, data: { id: Number(req.params.id) } }));
app.get('/count', (req, res) => {
  if (req.query.as === 'teapot') return void res.status(418).json({ count: 3 });
  res.json({ count: req.query.as === 'text' ? 'three' : 3 });
});

const integer = { type: 'integer' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const listSchema = { type: 'object', required: ['status', 'data'], properties: { status: { type: 'boolean' }, data: { type: 'array', items: {} } } };
const document = {
  openapi: '3.0.3',
  info: { title: 'proxy self-test', version: '1' },
  paths: {
    '/op': { get: { responses: { 200: { description: 'list', ...json(listSchema) } } } },
    '/op/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: integer }],
        responses: { 200: { description: 'one', ...json({ type: 'object', properties: { status: { type: 'boolean' }, data: { type: 'object' } } }) } },
      },
    },
    '/count': {
      get: {
        parameters: [{ name: 'as', in: 'query', required: false, schema: { type: 'string', enum: ['number', 'text', 'teapot'] } }],
        responses: { 200: { description: 'count', ...json({ type: 'object', required: ['count'], properties: { count: integer } }) } },
      },
    },
  },
};

let proxy: ValidatingProxy;
beforeAll(async () => {
  proxy = await startValidatingProxy(app, document);
}, 120_000);
afterAll(() => proxy?.close());

const request = () => supertest(proxy.url);
const messages = () => proxy.takeViolations().map((exchange) => `${exchange.request}: ${exchange.violations.map((violation) => violation.message).join('; ')}`);

describe('the validating proxy (Prism)', () => {
  it('forwards a described exchange and reports nothing', async () => {
    const res = await request().get('/count?as=number');
    expect(res.body).toEqual({ count: 3 });
    expect(proxy.takeExchanges()).toEqual([{ request: 'GET /count?as=number', status: 200, violations: [] }]);
  });

  it('reports a response the document does not describe, and still forwards it', async () => {
    const res = await request().get('/count?as=text');
    expect(res.body).toEqual({ count: 'three' });
    expect(messages()).toEqual([expect.stringMatching(/^GET \/count\?as=text: .*count must be integer/)]);
    const teapot = await request().get('/count?as=teapot');
    expect(teapot.status).toBe(418);
    expect(messages()).toEqual([expect.stringMatching(/^GET \/count\?as=teapot: .*status code/)]);
  });

  it('reports a request the document does not describe', async () => {
    await request().get('/count?as=roman');
    expect(messages()).toEqual([expect.stringMatching(/^GET \/count\?as=roman: .*must be equal to one of the allowed values/)]);
    await request().get('/nowhere');
    expect(messages()).toEqual(['GET /nowhere: Selected route not found']);
  });

  it("reads the runbook's GET /op/ as /op/{id} when the document lacks the trailing-slash path", async () => {
    const res = await request().get('/op/');
    expect(res.status).toBe(200);
    expect(messages()).toEqual([expect.stringMatching(/^GET \/op\/: .*required property 'id'/)]);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { App } from '../../src/app';
import { PROJECT_ROOT } from '../../src/config';

/**
 * A validating proxy in front of the app: Stoplight Prism (`prism proxy`) with the document the app
 * serves, the way a partner's validating gateway would sit in front of it. Prism forwards every
 * request unchanged and lists what the document does not describe (a request or response, its
 * path, method, parameters, security, status, headers or body) in an `sl-violations` response
 * header. A small recorder in front of Prism reads that header off every answer, so a test
 * asserts that none of its requests or responses had a violation.
 *
 *   client ──▶ recorder ──▶ prism proxy ──▶ the app (listening on 127.0.0.1)
 */
export interface ValidatingProxy {
  /** Base URL to send requests to (http://127.0.0.1:PORT). */
  url: string;
  /** Every request that went through, with what Prism found wrong, since the last call. */
  takeExchanges: () => Exchange[];
  /** The exchanges since the last call that Prism found something wrong with (none is the goal). */
  takeViolations: () => Exchange[];
  /** For afterEach: the test sent at least one request through, and Prism found nothing wrong with any. */
  expectEveryExchangeDescribed: () => void;
  close: () => Promise<void>;
}

export interface Exchange {
  request: string;
  status: number;
  violations: Array<{ location: string[]; severity: string; code: string | number; message: string }>;
}

const PRISM = path.join(PROJECT_ROOT, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');
const STARTUP_TIMEOUT_MS = 90_000;

export async function startValidatingProxy(app: App | Express, document: object = ('express' in app ? app.express : app).locals.openApiDocument): Promise<ValidatingProxy> {
  const upstream = await listen(http.createServer(app));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-proxy-'));
  const documentFile = path.join(scratch, 'openapi.json');
  fs.writeFileSync(documentFile, JSON.stringify(document));

  const prismPort = await freePort();
  const prism = spawn(
    process.execPath,
    [PRISM, 'proxy', documentFile, upstream.url, '--port', String(prismPort), '--host', '127.0.0.1', '--cors=false', '--errors=false', '--verboseLevel=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForPort(prism, prismPort);

  let exchanges: Exchange[] = [];
  const recorder = await listen(
    http.createServer((req, res) => {
      const forwarded = http.request(
        { host: '127.0.0.1', port: prismPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const header = answer.headers['sl-violations'];
          exchanges.push({
            request: `${req.method} ${req.url}`,
            status: answer.statusCode ?? 0,
            violations: header ? JSON.parse(String(header)) : [],
          });
          const headers = { ...answer.headers };
          delete headers['sl-violations'];
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', (error) => {
        exchanges.push({ request: `${req.method} ${req.url}`, status: 502, violations: [{ location: ['proxy'], severity: 'Error', code: 'proxy', message: error.message }] });
        res.writeHead(502).end();
      });
      req.pipe(forwarded);
    }),
  );

  return {
    url: recorder.url,
    takeExchanges: () => {
      const taken = exchanges;
      exchanges = [];
      return taken;
    },
    takeViolations: () => {
      const taken = exchanges.filter((exchange) => exchange.violations.length > 0 || isPrismError(exchange));
      exchanges = [];
      return taken;
    },
    expectEveryExchangeDescribed: () => {
      const taken = exchanges;
      exchanges = [];
      expect(taken.length).toBeGreaterThan(0);
      expect(taken.filter((exchange) => exchange.violations.length > 0 || isPrismError(exchange))).toEqual([]);
    },
    close: async () => {
      prism.kill('SIGTERM');
      await Promise.all([recorder.close(), upstream.close(), new Promise((resolve) => (prism.exitCode !== null ? resolve(null) : prism.once('exit', resolve)))]);
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Prism answers itself (without forwarding) only when it cannot proxy: that is never a described answer. */
function isPrismError(exchange: Exchange): boolean {
  return exchange.status === 502 || exchange.violations.some((violation) => violation.location[0] === 'proxy');
}

async function listen(server: http.Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Resolves once Prism accepts connections on its port; rejects with its output if it exits or takes too long. */
async function waitForPort(prism: ChildProcess, port: number): Promise<void> {
  let output = '';
  prism.stdout?.on('data', (chunk) => (output += chunk));
  prism.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (prism.exitCode !== null) throw new Error(`prism proxy exited with ${prism.exitCode}:\n${output}`);
    const open = await new Promise<boolean>((resolve) => {
      const probe = http.get({ host: '127.0.0.1', port, path: '/health/live' }, (res) => {
        res.resume();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  prism.kill('SIGKILL');
  throw new Error(`prism proxy did not start within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output}`);
}

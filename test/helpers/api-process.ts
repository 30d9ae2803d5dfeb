import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { GENEROUS_LIMITS } from './limits';

const ROOT = path.resolve(__dirname, '..', '..');

/** A port the kernel says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ApiProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process wrote to stdout and stderr so far (for failure messages). */
  output: () => string;
  /** Resolves when the process has exited (by itself or by a signal). */
  exited: Promise<void>;
  /** SIGTERM and wait (graceful shutdown); SIGKILL after 10 s. */
  stop: () => Promise<void>;
  /** SIGKILL and wait: the process dies mid-whatever, like a power cut. */
  kill: () => Promise<void>;
}

/** Test environment for an API child process (generous per-address limits, see GENEROUS_LIMITS); pass the database and whatever the test needs on top. */
export function apiEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', APP_BASE_URL: 'http://localhost:3000', ...GENEROUS_LIMITS, ...extra };
}

/**
 * Starts the API from source (`node --import tsx src/server.ts`) on a free port and waits until
 * /health answers 200. The real server entry point: config, pool, outbox worker, graceful shutdown.
 * options.nodeArgs go before the script (e.g. `--require` of a test-only preload).
 */
export async function startApiProcess(env: Record<string, string>, port?: number, options: { nodeArgs?: string[] } = {}): Promise<ApiProcess> {
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, PORT: String(listenPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${listenPort}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`API exited during start-up:\n${output}`);
    const healthy = await fetch(`${url}/health`).then((r) => r.status === 200).catch(() => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`API did not answer /health within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    url,
    port: listenPort,
    output: () => output,
    exited,
    stop: async () => {
      if (gone()) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

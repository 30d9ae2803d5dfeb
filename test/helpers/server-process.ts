import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  baseUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts src/server.ts as a real child process on a free port and waits until it listens. */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${output}`));
    }, 20_000);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening: ${output}`));
    });
    child.stdout.on('data', () => {
      const match = /listening on port (\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      const port = Number(match[1]);
      resolve({
        child,
        port,
        baseUrl: `http://127.0.0.1:${port}`,
        output: () => output,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

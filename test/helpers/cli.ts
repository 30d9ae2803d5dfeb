import { execFile } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI script the way its npm script does (tsx), against the given database. */
export function runCliScript(script: string, args: string[], databaseUrl: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
      [script, ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

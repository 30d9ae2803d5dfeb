import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const startServer = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('starting the server with a bad DATABASE_URL', () => {
  it('prints one clear line naming DATABASE_URL and exits non-zero when it is malformed', () => {
    const result = startServer({ DATABASE_URL: 'not a url' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Invalid configuration: DATABASE_URL must look like mysql://user:password@host:port/database');
  });

  it('prints one clear line and exits non-zero when the database cannot be reached', () => {
    const result = startServer({ DATABASE_URL: 'mysql://iba:iba@127.0.0.1:1/iba' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: DATABASE_URL cannot be reached \(127\.0\.0\.1:1\/iba\): ECONNREFUSED$/);
  });
});

import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';
import type { RowDataPacket } from '../../src/db/pool';
import { runCliScript } from '../helpers/cli';
import { selectRows, unique } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

/** Runs `npm run admin:create -- ...args` as a person would (the script's command, without npm's banner). */
const adminCreate = (...args: string[]) => runCliScript('src/cli/admin-create.ts', args, t.config.DATABASE_URL);
const adminCreateWithInput = (input: string, ...args: string[]) => runCliScript('src/cli/admin-create.ts', args, t.config.DATABASE_URL, { input });

const STRONG = 'Tunnel-Admin-2026';

describe('npm run admin:create', () => {
  it('reads the password from standard input when --password is not given (kept out of shell history and ps)', async () => {
    const username = unique('root');
    const result = await adminCreateWithInput(`${STRONG}\n`, '--username', username, '--email', `${username}@iba.example`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const login = await t.request().post('/api/auth/login').send({ username, password: STRONG });
    expect(login.body).toMatchObject({ status: true, requiresTotpSetup: true });

    const none = await adminCreateWithInput('', '--username', unique('root'), '--email', `${unique('root')}@iba.example`);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Missing password: none was typed or piped in');
  });

  it('asks for the password twice on a terminal without echoing it', async () => {
    const username = unique('root');
    const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    // script(1) gives the command a real terminal; each line is typed once its prompt is on the screen
    const child = spawn('script', ['-qefc', `${tsx} src/cli/admin-create.ts --username ${username} --email ${username}@iba.example`, '/dev/null'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: t.config.DATABASE_URL },
    });
    let screen = '';
    const typed = new Set<string>();
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      for (const prompt of ['Password:', 'Repeat the password:']) {
        if (screen.includes(prompt) && !typed.has(prompt)) {
          typed.add(prompt);
          child.stdin.write(`${STRONG}\r`);
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(screen).toContain('Password:');
    expect(screen).toContain('Repeat the password:');
    expect(screen).toContain(`Created admin "${username}"`);
    expect(screen).not.toContain(STRONG);
    expect(code).toBe(0);
  }, 60_000);

  it('creates an admin (role_id 1) with an argon2id password hash and TOTP not yet set up; login then asks for TOTP setup', async () => {
    const username = unique('root');
    const result = await adminCreate('--username', username, '--password', STRONG, '--email', `${username}@IBA.example`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [member] = await selectRows<RowDataPacket>(t.pool, 'SELECT * FROM members WHERE username = ?', [username]);
    expect(result.stdout).toContain(`Created admin "${username}" (member_id ${member.member_id}, role_id 1)`);
    expect(member).toMatchObject({ role_id: 1, email: `${username}@iba.example`, screen_name: username, first_name: username, last_name: 'Admin', totp_enabled: 0, totp_secret: null });
    expect(member.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(member.password_hash).not.toContain(STRONG);

    const login = await t.request().post('/api/auth/login').send({ username, password: STRONG });
    expect(login.body).toEqual({ status: true, requiresTotpSetup: true, member_id: member.member_id });
  });

  it('says why not when the username exists, the e-mail is taken, or the password is weak, and exits 1', async () => {
    const username = unique('root');
    expect((await adminCreate('--username', username, '--password', STRONG, '--email', `${username}@iba.example`)).code).toBe(0);

    const again = await adminCreate('--username', username, '--password', STRONG, '--email', `other-${username}@iba.example`);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`Admin not created: A member with username "${username}" already exists`);

    const emailTaken = await adminCreate('--username', `${username}b`, '--password', STRONG, '--email', `${username}@iba.example`);
    expect(emailTaken.code).toBe(1);
    expect(emailTaken.stderr.trim()).toBe(`Admin not created: The e-mail address ${username}@iba.example is already used by another member`);

    const short = await adminCreate('--username', `${username}c`, '--password', 'Short-1', '--email', `c-${username}@iba.example`);
    expect(short.code).toBe(1);
    expect(short.stderr.trim()).toBe('Admin not created: Password is too weak: use at least 12 characters');

    const oneKind = await adminCreate('--username', `${username}d`, '--password', 'alllowercaseletters', '--email', `d-${username}@iba.example`);
    expect(oneKind.stderr.trim()).toBe('Admin not created: Password is too weak: mix at least two of lower case, upper case, digits and symbols');

    const members = await selectRows<RowDataPacket>(t.pool, 'SELECT username FROM members WHERE username LIKE ?', [`${username}%`]);
    expect(members.map((row) => row.username)).toEqual([username]);
  }, 90_000);

  it('explains its arguments when one is missing or unknown', async () => {
    const missing = await adminCreate('--username', 'someone');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Missing --email');
    expect(missing.stderr).toContain('Usage: npm run admin:create -- --username U --email E');
    const unknown = await adminCreate('--user', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Unknown option '--user'");
  });
});

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

const STRONG = 'Tunnel-Admin-2026';

describe('npm run admin:create', () => {
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
  });

  it('explains its arguments when one is missing or unknown', async () => {
    const missing = await adminCreate('--username', 'someone');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Missing --password, --email');
    expect(missing.stderr).toContain('Usage: npm run admin:create -- --username U --password P --email E');
    const unknown = await adminCreate('--user', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Unknown option '--user'");
  });
});

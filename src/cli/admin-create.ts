import { parseArgs } from 'node:util';
import { AdminCreationRefused, createAdmin } from '../auth/admin.service';
import { loadConfig } from '../config';
import { isMissingTableError } from '../db/errors';
import { createPool } from '../db/pool';
import { PASSWORD_MIN_LENGTH } from '../security/passwords';
import { PasswordEntryError, readPassword } from './read-password';
import { CliError, runCli } from './run-cli';

const USAGE =
  'Usage: npm run admin:create -- --username U --email E [--first-name F] [--last-name L] [--password P]\n' +
  'Without --password the password is asked for (no echo), or read from the first line of standard input.\n' +
  `Password: at least ${PASSWORD_MIN_LENGTH} characters, at least two of lower case, upper case, digits and symbols, not containing the username.`;

runCli(async () => {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        username: { type: 'string' },
        password: { type: 'string' },
        email: { type: 'string' },
        'first-name': { type: 'string' },
        'last-name': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const missing = ['username', 'email'].filter((name) => !values[name]);
  if (missing.length) throw new CliError(`Missing ${missing.map((name) => `--${name}`).join(', ')}\n${USAGE}`);
  const password = values.password ?? (await readPassword().catch((error: unknown) => {
    throw new CliError(error instanceof PasswordEntryError ? `Admin not created: ${error.message}` : `Could not read the password: ${(error as Error).message}`);
  }));
  if (!password) throw new CliError(`Missing password: none was typed or piped in\n${USAGE}`);

  const config = loadConfig();
  const pool = createPool(config.DATABASE_URL, { connectionLimit: 1 });
  try {
    const memberId = await createAdmin(pool, {
      username: values.username!,
      password,
      email: values.email!,
      firstName: values['first-name'],
      lastName: values['last-name'],
    });
    console.log(`Created admin "${values.username!.trim()}" (member_id ${memberId}, role_id 1). Sign in with POST /api/auth/login, then set up TOTP.`);
  } catch (error) {
    if (error instanceof AdminCreationRefused) throw new CliError(`Admin not created: ${error.message}`);
    if (isMissingTableError(error)) {
      throw new CliError('Admin not created: the database has no schema yet; run npm run db:migrate first');
    }
    throw error;
  } finally {
    await pool.end();
  }
});

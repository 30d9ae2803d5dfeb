import { randomBytes } from 'node:crypto';
import { runCliScript } from '../helpers/cli';
import { selectRows } from '../helpers/factories';
import { createTestContext, type TestContext } from '../helpers/test-app';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

/** A complete production configuration: nothing is missing, the seed must still refuse. */
const productionEnv = {
  NODE_ENV: '',
  JWT_SECRET: 'j'.repeat(40),
  PIN_PEPPER: 'p'.repeat(20),
  SECRETS_KEY: randomBytes(32).toString('base64'),
  APP_BASE_URL: 'https://api.tunnelflight.com',
  SMTP_URL: 'smtp://mail.tunnelflight.com:587',
};

describe('npm run db:seed outside development', () => {
  it.each([['unset', ''], ['production', 'production'], ['staging', 'staging']])('refuses with NODE_ENV %s and writes nothing', async (_label, nodeEnv) => {
    const result = await runCliScript('src/cli/seed.ts', [], t.config.DATABASE_URL, { env: { ...productionEnv, NODE_ENV: nodeEnv } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Refusing to seed demo data (known PINs and a known connector secret) unless NODE_ENV is development or test');
    expect(await selectRows(t.pool, 'SELECT * FROM members')).toHaveLength(0);
    expect(await selectRows(t.pool, 'SELECT * FROM fuse_metrix')).toHaveLength(0);
  });
});

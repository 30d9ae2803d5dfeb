import { randomBytes } from 'node:crypto';
import { DEVELOPMENT_SECRETS, loadConfig } from '../src/config';

const base = { DATABASE_URL: 'mysql://iba:iba@127.0.0.1:3306/iba' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(development);
    expect(config.PORT).toBe(3000);
    expect(config.FLYER_CURRENCY_DAYS).toBe(180);
    expect(config.FLIGHT_TIME_LINK_TTL_DAYS).toBe(30);
    expect(config.JWT_EXPIRES_IN_SECONDS).toBe(43200);
    expect(config.CONNECTOR_SECRET_OVERLAP_HOURS).toBe(24);
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.APP_BASE_URL).toBe('http://localhost:3000');
  });

  it('names a missing DATABASE_URL in one line', () => {
    expect(() => loadConfig({ NODE_ENV: 'development' })).toThrow('Invalid configuration: DATABASE_URL is required');
  });

  it('names a malformed DATABASE_URL and says what it should look like', () => {
    expect(() => loadConfig({ NODE_ENV: 'development', DATABASE_URL: 'postgres://x@y/z' })).toThrow(
      'Invalid configuration: DATABASE_URL must look like mysql://user:password@host:port/database',
    );
  });

  it('names a malformed number', () => {
    expect(() => loadConfig({ ...development, PORT: 'eighty' })).toThrow(/^Invalid configuration: PORT /);
    expect(() => loadConfig({ ...development, FLYER_CURRENCY_DAYS: '-5' })).toThrow(/^Invalid configuration: FLYER_CURRENCY_DAYS /);
  });

  it('refuses a JWT clock tolerance over 5 minutes (e.g. milliseconds given for seconds)', () => {
    expect(() => loadConfig({ ...development, JWT_CLOCK_TOLERANCE_SECONDS: '30000' })).toThrow(/^Invalid configuration: JWT_CLOCK_TOLERANCE_SECONDS /);
    expect(loadConfig({ ...development, JWT_CLOCK_TOLERANCE_SECONDS: '300' }).JWT_CLOCK_TOLERANCE_SECONDS).toBe(300);
  });

  it('refuses a sign-in delay over an hour, which the hour after which failures are forgotten would undo', () => {
    expect(() => loadConfig({ ...development, SIGN_IN_MAX_DELAY_SECONDS: '7200' })).toThrow(/^Invalid configuration: SIGN_IN_MAX_DELAY_SECONDS /);
    expect(loadConfig({ ...development, SIGN_IN_MAX_DELAY_SECONDS: '3600' }).SIGN_IN_MAX_DELAY_SECONDS).toBe(3600);
  });

  it('refuses a malformed SMTP_URL and accepts an empty one', () => {
    expect(() => loadConfig({ ...development, SMTP_URL: 'mail.example.com' })).toThrow('Invalid configuration: SMTP_URL must start with smtp:// or smtps://');
    expect(loadConfig({ ...development, SMTP_URL: '' }).SMTP_URL).toBeUndefined();
  });

  it('applies the documented security defaults', () => {
    const config = loadConfig(development);
    expect(config.ADMIN_JWT_EXPIRES_IN_SECONDS).toBe(3600);
    expect(config.JWT_CLOCK_TOLERANCE_SECONDS).toBe(30);
    expect(config.TRUST_PROXY).toBe(false);
    expect(config.CORS_ORIGINS).toEqual([]);
    expect(config.RATE_LIMIT_SIGN_IN_PER_MINUTE).toBe(10);
    expect(config.RATE_LIMIT_PAGES_PER_MINUTE).toBe(30);
    expect(config.RATE_LIMIT_DOCS_PER_MINUTE).toBe(60);
    expect(config.RATE_LIMIT_HEALTH_PER_MINUTE).toBe(600);
    expect(config.SIGN_IN_FREE_FAILURES).toBe(3);
    expect(config.SIGN_IN_FREE_FAILURES_PER_ADDRESS).toBe(20);
    expect(config.SIGN_IN_MAX_DELAY_SECONDS).toBe(900);
    expect(config.ARGON2_MAX_WAITING).toBe(32);
    expect(config.HTTP_HEADERS_TIMEOUT_MS).toBe(20_000);
    expect(config.HTTP_REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(config.HTTP_MAX_CONNECTIONS).toBe(1000);
    expect(config.DOCS_ENABLED).toBe(true);
    expect(loadConfig(production).DOCS_ENABLED).toBe(false);
    expect(loadConfig({ ...production, DOCS_ENABLED: 'true' }).DOCS_ENABLED).toBe(true);
  });
});

const development = { ...base, NODE_ENV: 'development' };
const production = {
  ...base,
  JWT_SECRET: 'j'.repeat(40),
  PIN_PEPPER: 'p'.repeat(20),
  SECRETS_KEY: randomBytes(32).toString('base64'),
  APP_BASE_URL: 'https://api.tunnelflight.com',
  SMTP_URL: 'smtps://mailer:password@mail.tunnelflight.com:465',
};
const without = (name: keyof typeof production) => Object.fromEntries(Object.entries(production).filter(([key]) => key !== name));

// Attack (security review): `npm start` without NODE_ENV ran with the development JWT_SECRET committed in
// the repository, so a token signed with it and role_id 1 read every connector secret.
describe('fail closed: an unset NODE_ENV means production', () => {
  it('has development defaults only with NODE_ENV=development or test', () => {
    expect(loadConfig(development).JWT_SECRET).toBe(DEVELOPMENT_SECRETS.JWT_SECRET);
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).PIN_PEPPER).toBe(DEVELOPMENT_SECRETS.PIN_PEPPER);
    for (const nodeEnv of [undefined, '', 'production', 'staging', 'Development']) {
      expect(() => loadConfig({ ...base, NODE_ENV: nodeEnv })).toThrow(
        'Invalid configuration: JWT_SECRET is required (NODE_ENV is not development or test, so there is no default)',
      );
    }
    expect(loadConfig({ ...production, NODE_ENV: 'staging' }).NODE_ENV).toBe('production');
    expect(loadConfig(production).NODE_ENV).toBe('production');
  });

  it.each(['JWT_SECRET', 'PIN_PEPPER', 'SECRETS_KEY', 'APP_BASE_URL', 'SMTP_URL'] as const)('refuses to start without %s, naming it', (name) => {
    expect(() => loadConfig(without(name))).toThrow(`Invalid configuration: ${name} is required (NODE_ENV is not development or test, so there is no default)`);
    expect(() => loadConfig({ ...without(name), [name]: '' })).toThrow(`Invalid configuration: ${name} is required`);
  });

  it('refuses the development secrets', () => {
    expect(() => loadConfig({ ...production, JWT_SECRET: DEVELOPMENT_SECRETS.JWT_SECRET })).toThrow(
      'Invalid configuration: JWT_SECRET is the development default; set a real secret outside development',
    );
    expect(() => loadConfig({ ...production, PIN_PEPPER: DEVELOPMENT_SECRETS.PIN_PEPPER })).toThrow(
      'Invalid configuration: PIN_PEPPER is the development default; set a real secret outside development',
    );
    expect(() => loadConfig({ ...production, SECRETS_KEY: DEVELOPMENT_SECRETS.SECRETS_KEY })).toThrow(
      'Invalid configuration: SECRETS_KEY is the development default; set a real key outside development',
    );
    expect(() => loadConfig({ ...production, SECRETS_KEY: Buffer.from(DEVELOPMENT_SECRETS.SECRETS_KEY, 'hex').toString('base64') })).toThrow(
      'Invalid configuration: SECRETS_KEY is the development default',
    );
    expect(() => loadConfig({ ...production, APP_BASE_URL: 'http://localhost:3000' })).toThrow(
      'Invalid configuration: APP_BASE_URL points at this machine; set the public URL e-mailed links should use',
    );
  });

  it('refuses secrets that are too short and keys that are not 32 bytes', () => {
    expect(() => loadConfig({ ...production, JWT_SECRET: 'x'.repeat(31) })).toThrow('Invalid configuration: JWT_SECRET must be at least 32 characters');
    expect(() => loadConfig({ ...production, PIN_PEPPER: 'x'.repeat(15) })).toThrow('Invalid configuration: PIN_PEPPER must be at least 16 characters');
    for (const key of [randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), 'not-a-key']) {
      expect(() => loadConfig({ ...production, SECRETS_KEY: key })).toThrow(/^Invalid configuration: SECRETS_KEY must be 32 random bytes written as 64 hex digits or base64/);
    }
    expect(loadConfig({ ...production, SECRETS_KEY: randomBytes(32).toString('hex') }).SECRETS_KEY).toHaveLength(32);
    expect(() => loadConfig({ ...production, SECRETS_OLD_KEYS: `${randomBytes(32).toString('hex')},short` })).toThrow(/^Invalid configuration: SECRETS_OLD_KEYS must be a comma-separated list/);
    expect(() => loadConfig({ ...production, SECRETS_OLD_KEYS: production.SECRETS_KEY })).toThrow('Invalid configuration: SECRETS_OLD_KEYS must not contain SECRETS_KEY itself');
  });

  it('strips the trailing slash of APP_BASE_URL', () => {
    expect(loadConfig({ ...production, APP_BASE_URL: 'https://api.tunnelflight.com/' }).APP_BASE_URL).toBe('https://api.tunnelflight.com');
  });
});

describe('network settings', () => {
  it('reads TRUST_PROXY as a number of proxies or their addresses, and refuses true', () => {
    expect(loadConfig({ ...development, TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ ...development, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({ ...development, TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(() => loadConfig({ ...development, TRUST_PROXY: 'true' })).toThrow(/^Invalid configuration: TRUST_PROXY must not be true/);
    expect(() => loadConfig({ ...development, TRUST_PROXY: 'proxy.example.com' })).toThrow(/^Invalid configuration: TRUST_PROXY must be false, a number of proxies, or addresses/);
  });

  it('reads CORS_ORIGINS as a list of origins', () => {
    expect(loadConfig({ ...development, CORS_ORIGINS: 'https://admin.tunnelflight.com, http://localhost:5173/' }).CORS_ORIGINS).toEqual([
      'https://admin.tunnelflight.com',
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ ...development, CORS_ORIGINS: '*' })).toThrow(/^Invalid configuration: CORS_ORIGINS must be a comma-separated list of origins/);
    expect(() => loadConfig({ ...development, CORS_ORIGINS: 'https://admin.tunnelflight.com/login' })).toThrow(/^Invalid configuration: CORS_ORIGINS/);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => loadConfig({ ...development, HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(
      'Invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS',
    );
  });
});

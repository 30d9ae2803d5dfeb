import { DEVELOPMENT_SECRETS, loadConfig } from '../src/config';

const base = { DATABASE_URL: 'mysql://iba:iba@127.0.0.1:3306/iba' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.PORT).toBe(3000);
    expect(config.FLYER_CURRENCY_DAYS).toBe(180);
    expect(config.FLIGHT_TIME_LINK_TTL_DAYS).toBe(30);
    expect(config.JWT_EXPIRES_IN_SECONDS).toBe(43200);
    expect(config.CONNECTOR_SECRET_OVERLAP_HOURS).toBe(24);
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.APP_BASE_URL).toBe('http://localhost:3000');
  });

  it('names a missing DATABASE_URL in one line', () => {
    expect(() => loadConfig({})).toThrow('Invalid configuration: DATABASE_URL is required');
  });

  it('names a malformed DATABASE_URL and says what it should look like', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@y/z' })).toThrow(
      'Invalid configuration: DATABASE_URL must look like mysql://user:password@host:port/database',
    );
  });

  it('names a malformed number', () => {
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(/^Invalid configuration: PORT /);
    expect(() => loadConfig({ ...base, FLYER_CURRENCY_DAYS: '-5' })).toThrow(/^Invalid configuration: FLYER_CURRENCY_DAYS /);
  });

  it('refuses a malformed SMTP_URL and accepts an empty one', () => {
    expect(() => loadConfig({ ...base, SMTP_URL: 'mail.example.com' })).toThrow('Invalid configuration: SMTP_URL must start with smtp:// or smtps://');
    expect(loadConfig({ ...base, SMTP_URL: '' }).SMTP_URL).toBeUndefined();
  });

  it('refuses the development secrets in production', () => {
    const production = { ...base, NODE_ENV: 'production', APP_BASE_URL: 'https://api.example.com', PIN_PEPPER: 'a-real-pepper-value-1234' };
    expect(() => loadConfig(production)).toThrow('Invalid configuration: JWT_SECRET is the development default; set a real secret in production');
    expect(() => loadConfig({ ...production, JWT_SECRET: 'x'.repeat(40), PIN_PEPPER: DEVELOPMENT_SECRETS.PIN_PEPPER })).toThrow(
      'Invalid configuration: PIN_PEPPER is the development default; set a real secret in production',
    );
    expect(loadConfig({ ...production, JWT_SECRET: 'x'.repeat(40) }).NODE_ENV).toBe('production');
  });

  it('requires APP_BASE_URL in production and strips its trailing slash', () => {
    const production = { ...base, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), PIN_PEPPER: 'y'.repeat(20) };
    expect(() => loadConfig(production)).toThrow('Invalid configuration: APP_BASE_URL is required in production');
    expect(loadConfig({ ...production, APP_BASE_URL: 'https://api.tunnelflight.com/' }).APP_BASE_URL).toBe('https://api.tunnelflight.com');
  });
});

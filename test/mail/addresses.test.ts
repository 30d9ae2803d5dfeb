import { loadConfig } from '../../src/config';
import { mailDomainOf, newMessageId, singleMailbox } from '../../src/mail/addresses';

describe('mailDomainOf (the domain of MAIL_FROM, which names every Message-ID)', () => {
  it.each([
    ['IBA Logbook <no-reply@tunnelflight.com>', 'tunnelflight.com'],
    ['no-reply@Mail.TunnelFlight.com', 'mail.tunnelflight.com'],
    ['"IBA, Logbook" <logbook@iba.example>', 'iba.example'],
  ])('finds the domain of %s', (from, domain) => {
    expect(mailDomainOf(from)).toBe(domain);
  });

  it.each(['IBA Logbook', 'no-reply@localhost', 'IBA <no-reply@>', 'a@x.com, b@y.com', 'IBA <a@b@c.com>', 'IBA <no-reply@-bad-.com>'])(
    'finds none in %s',
    (from) => {
      expect(mailDomainOf(from)).toBeNull();
    },
  );

  it('is checked at start-up: a MAIL_FROM without one refuses to start, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'mysql://u:p@localhost:3306/iba', MAIL_FROM: 'IBA Logbook <no-reply@localhost>' })).toThrow(
      'Invalid configuration: MAIL_FROM must be one address with a domain, e.g. IBA Logbook <no-reply@tunnelflight.com>',
    );
  });
});

describe('newMessageId', () => {
  it('is a random UUID at the domain, different every time', () => {
    const ids = Array.from({ length: 1000 }, () => newMessageId('tunnelflight.com'));
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^<[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@tunnelflight\.com>$/);
  });
});

describe('singleMailbox', () => {
  it('takes one plain address as it is', () => {
    expect(singleMailbox('rusty.lewis+iba@example.com')).toEqual({ address: 'rusty.lewis+iba@example.com' });
  });

  it.each(['a@x.test, b@y.test', 'a@x.test;b@y.test', 'Name <b@y.test>', 'a@x.test\r\nBcc: b@y.test', '"a@x.test, b"@y.test', ' a@x.test', 'a@x.test ', 'ab.test', 'a@b@y.test', 'a@[127.0.0.1]', 'group: a@x.test;'])(
    'refuses %j',
    (value) => {
      expect(singleMailbox(value)).toBeNull();
    },
  );
});

-- Failed sign-in counters with growing delays (src/security/sign-in-throttle.ts), keyed on the client
-- address, and on the login as typed together with the address: never on the account alone, so nobody
-- can lock someone else out, and known and unknown accounts behave the same. The key is a SHA-256, so
-- the table holds no typed logins.
CREATE TABLE sign_in_throttle (
  throttle_key    BINARY(32)   NOT NULL,
  failures        INT UNSIGNED NOT NULL,
  last_failure_at DATETIME(3)  NOT NULL,
  blocked_until   DATETIME(3)  NULL,
  PRIMARY KEY (throttle_key),
  KEY ix_sign_in_throttle_last_failure (last_failure_at),
  CONSTRAINT ck_sign_in_throttle_failures CHECK (failures > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Passwords and e-mailed codes no longer lock accounts: their old per-member counters go.
DELETE FROM auth_attempts WHERE kind IN ('password', 'email_otp');

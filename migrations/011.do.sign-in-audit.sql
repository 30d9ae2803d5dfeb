-- The audit trail of sign-ins: who (member_id when the account exists), from where (client address),
-- what and when. Never a password, code or token. No foreign key: the trail outlives deleted members.
CREATE TABLE sign_in_audit (
  sign_in_audit_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  event            VARCHAR(32)     NOT NULL,
  member_id        INT UNSIGNED    NULL,
  client_address   VARCHAR(45)     NULL,
  detail           VARCHAR(255)    NULL,
  created_at       DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (sign_in_audit_id),
  KEY ix_sign_in_audit_member (member_id, created_at),
  KEY ix_sign_in_audit_address (client_address, created_at),
  KEY ix_sign_in_audit_created (created_at),
  CONSTRAINT ck_sign_in_audit_event CHECK (event IN (
    'signed-in', 'password-failed', 'code-failed', 'throttled', 'rate-limited',
    'totp-enrolled', 'backup-code-used', 'tokens-revoked'
  ))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

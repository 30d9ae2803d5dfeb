-- verify-otp needs the challenge that /login handed out with the e-mailed code (only its SHA-256 is
-- kept), so nobody without the password can guess codes or lock anyone out. Five wrong codes use the
-- code up (sign in again for a new one) instead of locking the member.
ALTER TABLE email_otps
  ADD COLUMN challenge_hash  CHAR(64)         NULL AFTER code_hash,
  ADD COLUMN failed_attempts TINYINT UNSIGNED NOT NULL DEFAULT 0 AFTER challenge_hash,
  ADD UNIQUE KEY uq_email_otps_challenge (challenge_hash),
  ADD CONSTRAINT ck_email_otps_challenge_hash CHECK (challenge_hash IS NULL OR challenge_hash REGEXP '^[0-9a-f]{64}$');

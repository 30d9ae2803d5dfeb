-- Tokens that can be revoked: every JWT carries the member's token_version at issue, and every request
-- that needs a role compares it with this column. Raising it signs the member out everywhere.
ALTER TABLE members ADD COLUMN token_version INT UNSIGNED NOT NULL DEFAULT 0 AFTER totp_last_used_step;

-- A role change, a password change or a TOTP reset (totp_enabled turned off) revokes the member's
-- tokens, however the row is changed: through the API, a script, or SQL typed by hand.
CREATE TRIGGER tr_members_revoke_tokens BEFORE UPDATE ON members FOR EACH ROW
  SET NEW.token_version = NEW.token_version + IF(
    NEW.role_id <> OLD.role_id
      OR NOT (NEW.password_hash <=> OLD.password_hash)
      OR (OLD.totp_enabled AND NOT NEW.totp_enabled),
    1, 0);

-- ...and says so in the sign-in audit trail (an explicit sign-out-everywhere is audited by the API,
-- with the client address).
CREATE TRIGGER tr_members_audit_token_revocation AFTER UPDATE ON members FOR EACH ROW
  INSERT INTO sign_in_audit (event, member_id, detail)
  SELECT 'tokens-revoked', NEW.member_id, CONCAT_WS(', ',
      IF(NEW.role_id <> OLD.role_id, CONCAT('role changed from ', OLD.role_id, ' to ', NEW.role_id), NULL),
      IF(NOT (NEW.password_hash <=> OLD.password_hash), 'password changed', NULL),
      IF(OLD.totp_enabled AND NOT NEW.totp_enabled, 'TOTP reset', NULL))
  FROM DUAL
  WHERE NEW.role_id <> OLD.role_id
     OR NOT (NEW.password_hash <=> OLD.password_hash)
     OR (OLD.totp_enabled AND NOT NEW.totp_enabled);

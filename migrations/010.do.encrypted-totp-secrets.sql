-- TOTP secrets are stored sealed with AES-256-GCM (src/security/secret-box.ts): "enc1:<key id>:<iv>:<ciphertext>",
-- about 100 characters for a 32-character base32 secret. Plain secrets from before keep working and are
-- sealed the first time they are used, or by `npm run secrets:rotate-key`.
ALTER TABLE members MODIFY totp_secret VARCHAR(255) NULL;

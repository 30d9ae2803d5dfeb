-- The partner trust boundary (issue 10).

-- A purchase id is FuzeMetrix's, whichever of its connectors sent it: every FuzeMetrix connector is
-- the same partner, so rotating, deleting or re-creating a connector never reopens a purchase.
-- `partner` names the scope of purchase_id; a second booking partner would get its own value.
ALTER TABLE bookings
  ADD COLUMN partner VARCHAR(32) NOT NULL DEFAULT 'fuse_metrix' AFTER booking_id,
  ADD KEY ix_bookings_connector (connector_id),
  DROP INDEX uq_bookings_connector_purchase,
  ADD UNIQUE KEY uq_bookings_partner_purchase (partner, purchase_id),
  ADD CONSTRAINT ck_bookings_partner CHECK (partner IN ('fuse_metrix'));

-- Per connector: which signing methods it may use and which scopes it may hold (all on by default,
-- so the runbook's hand-written INSERT makes a connector that works with every method), and a
-- version that every change of its credentials or access moves on, so caches and access tokens
-- made before the change stop working at once.
ALTER TABLE fuse_metrix
  ADD COLUMN auth_methods SET('legacy-hmac', 'timestamped-signature', 'oauth') NOT NULL
    DEFAULT 'legacy-hmac,timestamped-signature,oauth',
  ADD COLUMN scopes SET('members:read', 'bookings:write') NOT NULL DEFAULT 'members:read,bookings:write',
  ADD COLUMN credentials_version INT UNSIGNED NOT NULL DEFAULT 1;

ALTER TABLE connector_audit
  DROP CONSTRAINT ck_connector_audit_action,
  ADD CONSTRAINT ck_connector_audit_action
    CHECK (action IN ('create', 'list', 'read', 'update', 'delete', 'generate-token', 'rotate-secret', 'update-access'));

-- Timestamped signatures (X-SIGNATURE) accepted so far, until the moment their X-TIMESTAMP leaves
-- the accepted window: the same signature twice is a replay, whichever API process it reaches.
CREATE TABLE partner_request_signatures (
  signature    BINARY(32)   NOT NULL,
  connector_id INT UNSIGNED NOT NULL,
  expires_at   DATETIME     NOT NULL,
  PRIMARY KEY (signature),
  KEY ix_partner_request_signatures_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

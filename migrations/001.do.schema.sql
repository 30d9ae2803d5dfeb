-- The whole IBA / FuzeMetrix schema. Runs unchanged on MariaDB 10.11 and MySQL 8.0.16+.
-- Times are UTC DATETIMEs (every session sets time_zone = '+00:00'), except fuse_metrix.created_at,
-- which the runbook fixes as Unix seconds.

CREATE TABLE roles (
  role_id   INT UNSIGNED NOT NULL,
  role_name VARCHAR(64)  NOT NULL,
  PRIMARY KEY (role_id),
  UNIQUE KEY uq_roles_name (role_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tunnels (
  tunnel_id             INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name                  VARCHAR(191) NOT NULL,
  -- the tunnel id FuzeMetrix sends in create-booking; NULL for tunnels that do not use FuzeMetrix
  fuse_metrix_tunnel_id INT UNSIGNED NULL,
  created_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (tunnel_id),
  UNIQUE KEY uq_tunnels_fuse_metrix_tunnel_id (fuse_metrix_tunnel_id),
  CONSTRAINT ck_tunnels_name CHECK (CHAR_LENGTH(name) > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE members (
  member_id                  INT UNSIGNED NOT NULL AUTO_INCREMENT,
  username                   VARCHAR(64)  NULL,
  email                      VARCHAR(254) NOT NULL,
  password_hash              VARCHAR(255) NULL,
  -- hex HMAC-SHA256 of the PIN keyed with PIN_PEPPER (see src/members/pin.ts)
  pin_hash                   CHAR(64)     NULL,
  role_id                    INT UNSIGNED NOT NULL,
  screen_name                VARCHAR(100) NOT NULL,
  first_name                 VARCHAR(100) NOT NULL,
  last_name                  VARCHAR(100) NOT NULL,
  date_of_birth              DATETIME     NULL,
  home_tunnel_id             INT UNSIGNED NULL,
  is_coach                   BOOLEAN      NOT NULL DEFAULT FALSE,
  payment_status             VARCHAR(32)  NOT NULL DEFAULT 'Not required',
  flyer_level1               VARCHAR(32)  NOT NULL DEFAULT 'No',
  flyer_static               VARCHAR(32)  NOT NULL DEFAULT 'None',
  flyer_dynamic              VARCHAR(32)  NOT NULL DEFAULT 'None',
  flyer_formation            VARCHAR(32)  NOT NULL DEFAULT 'None',
  last_flight_at             DATETIME     NULL,
  flyer_currency_renewal_at  DATETIME     NULL,
  -- TOTP: the base32 secret, whether setup was confirmed, and the last accepted time step (replay guard)
  totp_secret                VARCHAR(64)  NULL,
  totp_enabled               BOOLEAN      NOT NULL DEFAULT FALSE,
  totp_last_used_step        BIGINT       NULL,
  created_at                 DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at                 DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (member_id),
  UNIQUE KEY uq_members_username (username),
  UNIQUE KEY uq_members_email (email),
  KEY ix_members_role (role_id),
  KEY ix_members_home_tunnel (home_tunnel_id),
  CONSTRAINT fk_members_role FOREIGN KEY (role_id) REFERENCES roles (role_id),
  CONSTRAINT fk_members_home_tunnel FOREIGN KEY (home_tunnel_id) REFERENCES tunnels (tunnel_id) ON DELETE SET NULL,
  CONSTRAINT ck_members_email CHECK (email LIKE '%_@_%'),
  CONSTRAINT ck_members_pin_hash CHECK (pin_hash IS NULL OR pin_hash REGEXP '^[0-9a-f]{64}$'),
  CONSTRAINT ck_members_payment_status CHECK (payment_status IN ('Not required', 'Paid', 'Unpaid', 'Overdue')),
  CONSTRAINT ck_members_renewal_after_flight CHECK (
    (last_flight_at IS NULL AND flyer_currency_renewal_at IS NULL)
    OR (last_flight_at IS NOT NULL AND flyer_currency_renewal_at IS NOT NULL AND flyer_currency_renewal_at > last_flight_at)
  ),
  CONSTRAINT ck_members_totp_enabled_has_secret CHECK (totp_enabled = FALSE OR totp_secret IS NOT NULL)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Connector credentials, exactly the runbook's columns so its hand-written INSERT works verbatim.
-- created_by has no foreign key on purpose: the runbook's shortcut inserts created_by = 1 on boxes
-- where member 1 may not exist. The previous_* columns carry a rotated-out secret during its overlap.
CREATE TABLE fuse_metrix (
  id                         INT UNSIGNED    NOT NULL AUTO_INCREMENT,
  email                      VARCHAR(254)    NOT NULL,
  created_by                 INT UNSIGNED    NOT NULL,
  secret                     VARCHAR(255)    NOT NULL,
  clientId                   VARCHAR(64)     NOT NULL,
  created_at                 BIGINT UNSIGNED NOT NULL,
  previous_secret            VARCHAR(255)    NULL,
  previous_secret_expires_at BIGINT UNSIGNED NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_fuse_metrix_client_id (clientId),
  CONSTRAINT ck_fuse_metrix_secret CHECK (CHAR_LENGTH(secret) > 0),
  CONSTRAINT ck_fuse_metrix_client_id CHECK (CHAR_LENGTH(clientId) > 0),
  CONSTRAINT ck_fuse_metrix_previous_secret CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who did what to which connector, and when. Never the secret. No foreign keys: the trail outlives
-- deleted connectors.
CREATE TABLE connector_audit (
  connector_audit_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  actor_member_id    INT UNSIGNED    NOT NULL,
  action             VARCHAR(32)     NOT NULL,
  connector_id       INT UNSIGNED    NULL,
  detail             VARCHAR(500)    NULL,
  created_at         DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (connector_audit_id),
  KEY ix_connector_audit_connector (connector_id, created_at),
  CONSTRAINT ck_connector_audit_action CHECK (action IN ('create', 'list', 'read', 'update', 'delete', 'generate-token', 'rotate-secret'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per FuzeMetrix check-in. The unique key is what makes a repeated purchase_id from the same
-- connector a duplicate, however many arrive at once. connector_id becomes NULL when a connector is
-- deleted (the runbook deletes connectors with plain SQL), keeping the booking history.
CREATE TABLE bookings (
  booking_id     BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
  connector_id   INT UNSIGNED      NULL,
  member_id      INT UNSIGNED      NOT NULL,
  tunnel_id      INT UNSIGNED      NOT NULL,
  purchase_id    BIGINT UNSIGNED   NOT NULL,
  product_id     BIGINT UNSIGNED   NOT NULL,
  purchased_at   DATETIME          NOT NULL,
  flight_at      DATETIME          NOT NULL,
  checkin_at     DATETIME          NOT NULL,
  minutes_booked SMALLINT UNSIGNED NOT NULL,
  -- the flight time the member reported through the e-mailed link, when they did
  minutes_flown  SMALLINT UNSIGNED NULL,
  created_at     DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (booking_id),
  UNIQUE KEY uq_bookings_connector_purchase (connector_id, purchase_id),
  KEY ix_bookings_member (member_id, flight_at),
  KEY ix_bookings_tunnel (tunnel_id),
  CONSTRAINT fk_bookings_connector FOREIGN KEY (connector_id) REFERENCES fuse_metrix (id) ON DELETE SET NULL,
  CONSTRAINT fk_bookings_member FOREIGN KEY (member_id) REFERENCES members (member_id),
  CONSTRAINT fk_bookings_tunnel FOREIGN KEY (tunnel_id) REFERENCES tunnels (tunnel_id),
  CONSTRAINT ck_bookings_minutes_booked CHECK (minutes_booked > 0),
  CONSTRAINT ck_bookings_minutes_flown CHECK (minutes_flown IS NULL OR (minutes_flown > 0 AND minutes_flown <= minutes_booked))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A member's logbook. An entry made from a booking points at it (at most one entry per booking).
-- The (member_id, minutes) key lets the total flight time be summed from the index alone.
CREATE TABLE logbook_entries (
  logbook_entry_id BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
  member_id        INT UNSIGNED      NOT NULL,
  tunnel_id        INT UNSIGNED      NOT NULL,
  booking_id       BIGINT UNSIGNED   NULL,
  flight_at        DATETIME          NOT NULL,
  minutes          SMALLINT UNSIGNED NOT NULL,
  source           VARCHAR(16)       NOT NULL,
  created_at       DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at       DATETIME(3)       NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (logbook_entry_id),
  UNIQUE KEY uq_logbook_entries_booking (booking_id),
  KEY ix_logbook_entries_member_minutes (member_id, minutes),
  KEY ix_logbook_entries_tunnel (tunnel_id),
  CONSTRAINT fk_logbook_entries_member FOREIGN KEY (member_id) REFERENCES members (member_id),
  CONSTRAINT fk_logbook_entries_tunnel FOREIGN KEY (tunnel_id) REFERENCES tunnels (tunnel_id),
  CONSTRAINT fk_logbook_entries_booking FOREIGN KEY (booking_id) REFERENCES bookings (booking_id),
  CONSTRAINT ck_logbook_entries_minutes CHECK (minutes > 0),
  CONSTRAINT ck_logbook_entries_source CHECK (source IN ('fuse_metrix', 'manual')),
  CONSTRAINT ck_logbook_entries_booking_source CHECK ((source = 'fuse_metrix') = (booking_id IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The one-time link e-mailed after a booking. Only the SHA-256 of the token is kept.
CREATE TABLE flight_time_links (
  flight_time_link_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  booking_id          BIGINT UNSIGNED NOT NULL,
  token_hash          BINARY(32)      NOT NULL,
  expires_at          DATETIME        NOT NULL,
  used_at             DATETIME        NULL,
  created_at          DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (flight_time_link_id),
  UNIQUE KEY uq_flight_time_links_token_hash (token_hash),
  UNIQUE KEY uq_flight_time_links_booking (booking_id),
  CONSTRAINT fk_flight_time_links_booking FOREIGN KEY (booking_id) REFERENCES bookings (booking_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- E-mails waiting to be sent, written in the same transaction as whatever caused them. A worker claims
-- due rows (FOR UPDATE SKIP LOCKED), sends, and marks them sent. The body is cleared once sent, so
-- links and codes in it do not outlive delivery.
CREATE TABLE outbox_messages (
  outbox_message_id BIGINT UNSIGNED  NOT NULL AUTO_INCREMENT,
  template          VARCHAR(100)     NOT NULL,
  to_address        VARCHAR(254)     NOT NULL,
  subject           VARCHAR(255)     NOT NULL,
  html_body         MEDIUMTEXT       NULL,
  text_body         MEDIUMTEXT       NULL,
  attempts          INT UNSIGNED     NOT NULL DEFAULT 0,
  next_attempt_at   DATETIME(3)      NOT NULL,
  last_error        VARCHAR(1000)    NULL,
  sent_at           DATETIME(3)      NULL,
  created_at        DATETIME(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (outbox_message_id),
  KEY ix_outbox_messages_due (sent_at, next_attempt_at),
  CONSTRAINT ck_outbox_messages_body CHECK (sent_at IS NOT NULL OR (html_body IS NOT NULL AND text_body IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Failed-attempt counters for PINs, TOTP codes, e-mail codes and passwords, per member and kind.
-- A row exists only while there are recent failures; a success deletes it.
CREATE TABLE auth_attempts (
  member_id        INT UNSIGNED NOT NULL,
  kind             VARCHAR(16)  NOT NULL,
  failures         INT UNSIGNED NOT NULL,
  window_starts_at DATETIME(3)  NOT NULL,
  locked_until     DATETIME(3)  NULL,
  PRIMARY KEY (member_id, kind),
  CONSTRAINT fk_auth_attempts_member FOREIGN KEY (member_id) REFERENCES members (member_id) ON DELETE CASCADE,
  CONSTRAINT ck_auth_attempts_kind CHECK (kind IN ('pin', 'totp', 'email_otp', 'password')),
  CONSTRAINT ck_auth_attempts_failures CHECK (failures > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Single-use TOTP backup codes, stored as slow password hashes.
CREATE TABLE totp_backup_codes (
  totp_backup_code_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  member_id           INT UNSIGNED    NOT NULL,
  code_hash           VARCHAR(255)    NOT NULL,
  used_at             DATETIME(3)     NULL,
  created_at          DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (totp_backup_code_id),
  KEY ix_totp_backup_codes_member (member_id, used_at),
  CONSTRAINT fk_totp_backup_codes_member FOREIGN KEY (member_id) REFERENCES members (member_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Six-digit sign-in codes e-mailed to members without TOTP. Hashed, short-lived, single use.
CREATE TABLE email_otps (
  email_otp_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  member_id    INT UNSIGNED    NOT NULL,
  code_hash    CHAR(64)        NOT NULL,
  expires_at   DATETIME(3)     NOT NULL,
  used_at      DATETIME(3)     NULL,
  created_at   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (email_otp_id),
  KEY ix_email_otps_member (member_id, expires_at),
  CONSTRAINT fk_email_otps_member FOREIGN KEY (member_id) REFERENCES members (member_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

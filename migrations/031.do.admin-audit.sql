-- Who did what in the admin console outside the connector trail (connector_audit), and when.
-- Today: reading the list of failed e-mails (it shows recipients) and re-queuing one.
-- No foreign keys: the trail outlives deleted members and messages.
CREATE TABLE admin_audit (
  admin_audit_id  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  actor_member_id INT UNSIGNED    NOT NULL,
  action          VARCHAR(32)     NOT NULL,
  -- the row acted on, e.g. the outbox_message_id of a re-queued e-mail
  target_id       BIGINT UNSIGNED NULL,
  detail          VARCHAR(500)    NULL,
  created_at      DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (admin_audit_id),
  KEY ix_admin_audit_action (action, created_at),
  CONSTRAINT ck_admin_audit_action CHECK (action IN ('outbox-list-failed', 'outbox-requeue'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

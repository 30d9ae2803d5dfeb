-- E-mails that mail systems trust, and nothing secret kept after delivery:
-- * message_id: the Message-ID header, globally unique (<uuid@domain of MAIL_FROM>), chosen when the
--   e-mail is queued, so a resend after a crash between send and mark carries the same id. Rows queued
--   before keep the id they were (or would have been) sent with.
-- * subject: dropped with the bodies once sent (a subject may carry what the body does); the template
--   name stays, so operators still see what was sent to whom and when. Subjects of messages sent
--   before this migration are dropped here.
-- * failed_at: a message that can never be delivered (its recipient is not one e-mail address) is
--   parked here with its reason in last_error instead of being retried.
ALTER TABLE outbox_messages
  ADD COLUMN message_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER outbox_message_id,
  ADD COLUMN failed_at DATETIME(3) NULL AFTER sent_at,
  MODIFY subject VARCHAR(255) NULL;

UPDATE outbox_messages SET message_id = CONCAT('<outbox-', outbox_message_id, '@iba-fuse-metrix-api>');
UPDATE outbox_messages SET subject = NULL WHERE sent_at IS NOT NULL;

ALTER TABLE outbox_messages
  MODIFY message_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  ADD UNIQUE KEY uq_outbox_messages_message_id (message_id),
  DROP INDEX ix_outbox_messages_due,
  ADD KEY ix_outbox_messages_due (sent_at, failed_at, next_attempt_at),
  ADD CONSTRAINT ck_outbox_messages_subject CHECK (sent_at IS NOT NULL OR subject IS NOT NULL),
  ADD CONSTRAINT ck_outbox_messages_sent_or_failed CHECK (sent_at IS NULL OR failed_at IS NULL);

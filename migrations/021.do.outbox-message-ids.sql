-- E-mails that mail systems trust, and nothing secret kept after delivery:
-- * message_id: the Message-ID header, globally unique (<uuid@domain of MAIL_FROM>), chosen when the
--   e-mail is queued, so a resend after a crash between send and mark carries the same id. Rows queued
--   before keep the id they were (or would have been) sent with.
-- * subject: dropped with the bodies once sent (a subject may carry what the body does); the template
--   name stays, so operators still see what was sent to whom and when. Subjects of messages sent
--   before this migration are dropped here.
ALTER TABLE outbox_messages
  ADD COLUMN message_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER outbox_message_id,
  MODIFY subject VARCHAR(255) NULL;

UPDATE outbox_messages SET message_id = CONCAT('<outbox-', outbox_message_id, '@iba-fuse-metrix-api>');
UPDATE outbox_messages SET subject = NULL WHERE sent_at IS NOT NULL;

ALTER TABLE outbox_messages
  MODIFY message_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  ADD UNIQUE KEY uq_outbox_messages_message_id (message_id),
  ADD CONSTRAINT ck_outbox_messages_subject CHECK (sent_at IS NOT NULL OR subject IS NOT NULL);

-- A message that can never be delivered (its recipient is not exactly one e-mail address) is parked:
-- failed_at is set, the reason kept in last_error, and the worker never claims the row again.
-- A row is sent or failed, never both.
ALTER TABLE outbox_messages
  ADD COLUMN failed_at DATETIME(3) NULL AFTER sent_at,
  DROP KEY ix_outbox_messages_due,
  -- the worker's claim: unsent, not failed, due
  ADD KEY ix_outbox_messages_due (sent_at, failed_at, next_attempt_at),
  ADD CONSTRAINT ck_outbox_messages_sent_or_failed CHECK (sent_at IS NULL OR failed_at IS NULL);

-- E-mails that cannot be delivered are parked instead of retried forever: after MAIL_MAX_ATTEMPTS
-- attempts or MAIL_MAX_AGE_HOURS in the queue, failed_at is set (with last_error kept) and the worker
-- never claims the row again. An admin re-queues it from /op, which clears failed_at and sets
-- requeued_at, from when the age limit counts again. A row is sent or failed, never both.
ALTER TABLE outbox_messages
  ADD COLUMN failed_at   DATETIME(3) NULL AFTER sent_at,
  ADD COLUMN requeued_at DATETIME(3) NULL AFTER failed_at,
  DROP KEY ix_outbox_messages_due,
  -- the worker's claim: unsent, not failed, due
  ADD KEY ix_outbox_messages_due (sent_at, failed_at, next_attempt_at),
  -- the metrics' depth and oldest queued message, read from the index alone
  ADD KEY ix_outbox_messages_queued_age (sent_at, failed_at, created_at),
  -- the /op list of failed messages and their retention
  ADD KEY ix_outbox_messages_failed (failed_at),
  ADD CONSTRAINT ck_outbox_messages_sent_or_failed CHECK (sent_at IS NULL OR failed_at IS NULL);

-- A password attempt now claims its login-at-address sign_in_throttle row before argon2 runs (a row of
-- 0 failures when there was none, so parallel guesses queue on the row lock and each sees the ones
-- before it), counts itself as a failure at once, and a correct password clears the row. A claimed row
-- may therefore hold 0 failures for a while; last_failure_at is then the time of the claim, so the
-- hourly housekeeping removes it like any forgotten counter.
ALTER TABLE sign_in_throttle DROP CONSTRAINT ck_sign_in_throttle_failures;
ALTER TABLE sign_in_throttle ADD CONSTRAINT ck_sign_in_throttle_failures CHECK (failures >= 0);

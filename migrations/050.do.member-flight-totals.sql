-- get-member's total_flight_time, kept as a running total on the member row instead of summing the
-- member's whole logbook on every call. Every write to logbook_entries moves it in the same
-- transaction (a booking adds its minutes, the flight-time form adds the difference, the demo seed and
-- the bench generator write it with their entries); `npm run db:check-flight-totals` compares it with
-- the sum and repairs a member on request.
ALTER TABLE members ADD COLUMN total_flight_minutes INT UNSIGNED NOT NULL DEFAULT 0;

-- updated_at keeps its value: the backfill changes nothing a member did
UPDATE members m
  JOIN (SELECT member_id, SUM(minutes) AS total FROM logbook_entries GROUP BY member_id) l ON l.member_id = m.member_id
   SET m.total_flight_minutes = l.total, m.updated_at = m.updated_at;

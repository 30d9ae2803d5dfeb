-- The retention job deletes flight-time links and e-mail codes some time after they expire; these
-- keys let it find them without reading the whole table.
ALTER TABLE flight_time_links ADD KEY ix_flight_time_links_expires (expires_at);
ALTER TABLE email_otps ADD KEY ix_email_otps_expires (expires_at);

-- Each tunnel's IANA time zone (e.g. Europe/Amsterdam), so e-mails and the flight-time form show a
-- flight in the tunnel's local time. Existing tunnels start at UTC, which is what they showed before.
-- A name the runtime does not know is shown as UTC, never an error; the check keeps out what cannot
-- be a zone name at all.
ALTER TABLE tunnels
  ADD COLUMN time_zone VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'UTC' AFTER fuse_metrix_tunnel_id,
  ADD CONSTRAINT ck_tunnels_time_zone CHECK (time_zone REGEXP '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$');

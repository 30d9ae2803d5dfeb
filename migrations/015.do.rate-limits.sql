-- Request counters of the per-address rate limits (src/http/rate-limit.ts), shared by every API process.
-- The layout rate-limiter-flexible's MySQL store expects (it inserts positionally: key, points, expire
-- in milliseconds); created here so the API never needs CREATE privileges at run time.
CREATE TABLE rate_limits (
  `key`  VARCHAR(255)    CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  points INT             NOT NULL DEFAULT 0,
  expire BIGINT UNSIGNED NULL,
  PRIMARY KEY (`key`),
  KEY ix_rate_limits_expire (expire)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Named leases ("one process at a time" across API processes and database nodes), as src/db/lease.ts
-- creates the table when it is missing; created here too, so a migrated database needs no DDL at run time.
CREATE TABLE IF NOT EXISTS leases (name VARCHAR(64) NOT NULL PRIMARY KEY, holder VARCHAR(128) NOT NULL, expires_at DATETIME(3) NOT NULL) ENGINE=InnoDB;

-- 0001: the whole store in one table. The bucket is a column, so a new
-- bucket needs no migration; keys are bytea so that they order bytewise
-- (Scan's contract) and may hold any byte, \x00 and \xff included.
CREATE TABLE approov_schema_version (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
);

-- One row: what tells an approov database from any other (store.FormatVersion
-- is the layout of keys and records, as in the bbolt store's marker).
CREATE TABLE approov_marker (
	one    boolean PRIMARY KEY DEFAULT true CHECK (one),
	marker text NOT NULL,
	format text NOT NULL
);

CREATE TABLE approov_kv (
	bucket text  NOT NULL,
	key    bytea NOT NULL,
	value  bytea NOT NULL,
	PRIMARY KEY (bucket, key)
);

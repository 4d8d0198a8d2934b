-- The dataset catalog. STRICT tables: SQLite checks column types.
-- Times are TEXT in RFC 3339 with six fractional digits, in UTC
-- ("2024-05-06T07:08:09.123456Z"): readable with the sqlite3 shell, and
-- their text order is their time order. JSON columns are TEXT.

CREATE TABLE datasets (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	CONSTRAINT datasets_name_key UNIQUE (name)
) STRICT;

CREATE TABLE versions (
	id           INTEGER PRIMARY KEY,
	dataset_id   INTEGER NOT NULL REFERENCES datasets (id),
	version      INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	input_key    TEXT NOT NULL,
	schema_json  TEXT,
	row_count    INTEGER NOT NULL,
	byte_size    INTEGER NOT NULL,
	source       TEXT NOT NULL,
	options_json TEXT,
	artifact_key TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	CONSTRAINT versions_dataset_version_key UNIQUE (dataset_id, version),
	CONSTRAINT versions_dataset_input_key UNIQUE (dataset_id, input_key)
) STRICT;

CREATE TABLE lineage (
	child_id  INTEGER NOT NULL REFERENCES versions (id),
	parent_id INTEGER NOT NULL REFERENCES versions (id),
	role      TEXT NOT NULL,
	position  INTEGER NOT NULL,
	PRIMARY KEY (child_id, parent_id, role)
) STRICT;

CREATE INDEX lineage_parent_idx ON lineage (parent_id);

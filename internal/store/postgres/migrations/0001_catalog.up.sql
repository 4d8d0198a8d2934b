-- The dataset catalog. Times are TIMESTAMPTZ (microsecond precision);
-- schema and options are JSONB.

CREATE TABLE datasets (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	CONSTRAINT datasets_name_key UNIQUE (name)
);

CREATE TABLE versions (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	dataset_id   BIGINT NOT NULL REFERENCES datasets (id),
	version      INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	input_key    TEXT NOT NULL,
	schema_json  JSONB,
	row_count    BIGINT NOT NULL,
	byte_size    BIGINT NOT NULL,
	source       TEXT NOT NULL,
	options_json JSONB,
	artifact_key TEXT NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	CONSTRAINT versions_dataset_version_key UNIQUE (dataset_id, version),
	CONSTRAINT versions_dataset_input_key UNIQUE (dataset_id, input_key)
);

CREATE TABLE lineage (
	child_id  BIGINT NOT NULL REFERENCES versions (id),
	parent_id BIGINT NOT NULL REFERENCES versions (id),
	role      TEXT NOT NULL,
	position  INTEGER NOT NULL,
	PRIMARY KEY (child_id, parent_id, role)
);

CREATE INDEX lineage_parent_idx ON lineage (parent_id);

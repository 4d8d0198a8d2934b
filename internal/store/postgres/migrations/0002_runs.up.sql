-- Training and evaluation runs, and the dataset versions they read.

CREATE TABLE runs (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name           TEXT NOT NULL,
	kind           TEXT NOT NULL,
	status         TEXT NOT NULL,
	parent_id      BIGINT REFERENCES runs (id),
	target         TEXT NOT NULL,
	algo           TEXT NOT NULL,
	params_json    JSONB,
	options_json   JSONB,
	metrics_json   JSONB,
	curve_json     JSONB,
	artifact_key   TEXT NOT NULL,
	error          TEXT NOT NULL,
	started_at     TIMESTAMPTZ NOT NULL,
	finished_at    TIMESTAMPTZ,
	peak_mem_bytes BIGINT NOT NULL
);

CREATE INDEX runs_name_idx ON runs (name);

CREATE TABLE run_inputs (
	run_id     BIGINT NOT NULL REFERENCES runs (id),
	version_id BIGINT NOT NULL REFERENCES versions (id),
	role       TEXT NOT NULL,
	position   INTEGER NOT NULL,
	PRIMARY KEY (run_id, version_id, role)
);

CREATE INDEX run_inputs_version_idx ON run_inputs (version_id);

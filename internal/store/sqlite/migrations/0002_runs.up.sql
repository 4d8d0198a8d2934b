-- Training and evaluation runs, and the dataset versions they read.

CREATE TABLE runs (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL,
	kind           TEXT NOT NULL,
	status         TEXT NOT NULL,
	parent_id      INTEGER REFERENCES runs (id),
	target         TEXT NOT NULL,
	algo           TEXT NOT NULL,
	params_json    TEXT,
	options_json   TEXT,
	metrics_json   TEXT,
	curve_json     TEXT,
	artifact_key   TEXT NOT NULL,
	error          TEXT NOT NULL,
	started_at     TEXT NOT NULL,
	finished_at    TEXT,
	peak_mem_bytes INTEGER NOT NULL
) STRICT;

CREATE INDEX runs_name_idx ON runs (name);

CREATE TABLE run_inputs (
	run_id     INTEGER NOT NULL REFERENCES runs (id),
	version_id INTEGER NOT NULL REFERENCES versions (id),
	role       TEXT NOT NULL,
	position   INTEGER NOT NULL,
	PRIMARY KEY (run_id, version_id, role)
) STRICT;

CREATE INDEX run_inputs_version_idx ON run_inputs (version_id);

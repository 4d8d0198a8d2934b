-- The model registry: models, their versions, aliases, endpoints, and the
-- append-only history of every change (model_events).

CREATE TABLE models (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	CONSTRAINT models_name_key UNIQUE (name)
) STRICT;

CREATE TABLE model_versions (
	id           INTEGER PRIMARY KEY,
	model_id     INTEGER NOT NULL REFERENCES models (id),
	version      INTEGER NOT NULL,
	run_id       INTEGER NOT NULL REFERENCES runs (id),
	artifact_key TEXT NOT NULL,
	task         TEXT NOT NULL,
	status       TEXT NOT NULL,
	metrics_json TEXT,
	created_at   TEXT NOT NULL,
	status_at    TEXT NOT NULL,
	CONSTRAINT model_versions_model_version_key UNIQUE (model_id, version),
	CONSTRAINT model_versions_model_run_key UNIQUE (model_id, run_id)
) STRICT;

CREATE INDEX model_versions_run_idx ON model_versions (run_id);

CREATE TABLE model_aliases (
	model_id   INTEGER NOT NULL REFERENCES models (id),
	alias      TEXT NOT NULL,
	version    INTEGER NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (model_id, alias),
	FOREIGN KEY (model_id, version) REFERENCES model_versions (model_id, version)
) STRICT;

CREATE TABLE model_events (
	id          INTEGER PRIMARY KEY,
	model_id    INTEGER NOT NULL REFERENCES models (id),
	version     INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	endpoint    TEXT NOT NULL,
	actor       TEXT NOT NULL,
	reason      TEXT NOT NULL,
	at          TEXT NOT NULL,
	detail_json TEXT
) STRICT;

CREATE INDEX model_events_model_idx ON model_events (model_id, at);
CREATE INDEX model_events_endpoint_idx ON model_events (endpoint, at);

-- A deleted endpoint keeps its row (deleted_at set) so that its name's
-- generation keeps increasing when it is created again.
CREATE TABLE endpoints (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	model_id    INTEGER NOT NULL REFERENCES models (id),
	version     INTEGER NOT NULL,
	config_json TEXT,
	generation  INTEGER NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	deleted_at  TEXT,
	CONSTRAINT endpoints_name_key UNIQUE (name),
	FOREIGN KEY (model_id, version) REFERENCES model_versions (model_id, version)
) STRICT;

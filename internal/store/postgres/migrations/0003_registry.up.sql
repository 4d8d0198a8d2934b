-- The model registry: models, their versions, aliases, endpoints, and the
-- append-only history of every change (model_events).

CREATE TABLE models (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	CONSTRAINT models_name_key UNIQUE (name)
);

CREATE TABLE model_versions (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	model_id     BIGINT NOT NULL REFERENCES models (id),
	version      INTEGER NOT NULL,
	run_id       BIGINT NOT NULL REFERENCES runs (id),
	artifact_key TEXT NOT NULL,
	task         TEXT NOT NULL,
	status       TEXT NOT NULL,
	metrics_json JSONB,
	created_at   TIMESTAMPTZ NOT NULL,
	status_at    TIMESTAMPTZ NOT NULL,
	CONSTRAINT model_versions_model_version_key UNIQUE (model_id, version),
	CONSTRAINT model_versions_model_run_key UNIQUE (model_id, run_id)
);

CREATE INDEX model_versions_run_idx ON model_versions (run_id);

CREATE TABLE model_aliases (
	model_id   BIGINT NOT NULL REFERENCES models (id),
	alias      TEXT NOT NULL,
	version    INTEGER NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (model_id, alias),
	FOREIGN KEY (model_id, version) REFERENCES model_versions (model_id, version)
);

CREATE TABLE model_events (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	model_id    BIGINT NOT NULL REFERENCES models (id),
	version     INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	endpoint    TEXT NOT NULL,
	actor       TEXT NOT NULL,
	reason      TEXT NOT NULL,
	at          TIMESTAMPTZ NOT NULL,
	detail_json JSONB
);

CREATE INDEX model_events_model_idx ON model_events (model_id, at);
CREATE INDEX model_events_endpoint_idx ON model_events (endpoint, at);

-- A deleted endpoint keeps its row (deleted_at set) so that its name's
-- generation keeps increasing when it is created again.
CREATE TABLE endpoints (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name        TEXT NOT NULL,
	model_id    BIGINT NOT NULL REFERENCES models (id),
	version     INTEGER NOT NULL,
	config_json JSONB,
	generation  BIGINT NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL,
	updated_at  TIMESTAMPTZ NOT NULL,
	deleted_at  TIMESTAMPTZ,
	CONSTRAINT endpoints_name_key UNIQUE (name),
	FOREIGN KEY (model_id, version) REFERENCES model_versions (model_id, version)
);

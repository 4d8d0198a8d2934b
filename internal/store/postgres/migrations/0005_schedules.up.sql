-- Monitor schedules: the server runs a monitor run of the endpoint every
-- every_seconds (internal/server).

CREATE TABLE monitor_schedules (
	endpoint      TEXT PRIMARY KEY,
	every_seconds BIGINT NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL
);

-- Alarms on monitor results and the history of their states.

CREATE TABLE alarms (
	name        TEXT PRIMARY KEY,
	endpoint    TEXT NOT NULL,
	spec_json   JSONB NOT NULL,
	state       TEXT NOT NULL,
	updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE alarm_events (
	id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	alarm   TEXT NOT NULL,
	state   TEXT NOT NULL,
	reason  TEXT NOT NULL,
	at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX alarm_events_alarm_idx ON alarm_events (alarm, id);

-- Alarms on monitor results and the history of their states.

CREATE TABLE alarms (
	name        TEXT PRIMARY KEY,
	endpoint    TEXT NOT NULL,
	spec_json   TEXT NOT NULL,
	state       TEXT NOT NULL,
	updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE alarm_events (
	id      INTEGER PRIMARY KEY,
	alarm   TEXT NOT NULL,
	state   TEXT NOT NULL,
	reason  TEXT NOT NULL,
	at      TEXT NOT NULL
) STRICT;

CREATE INDEX alarm_events_alarm_idx ON alarm_events (alarm, id);

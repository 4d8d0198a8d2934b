DROP TABLE alarm_events;
DROP TABLE alarms;

DROP TABLE monitor_schedules;

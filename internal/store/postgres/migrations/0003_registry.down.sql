DROP TABLE endpoints;
DROP TABLE model_events;
DROP TABLE model_aliases;
DROP TABLE model_versions;
DROP TABLE models;

-- Retraining policies: the server enqueues a retraining job of the endpoint
-- every every_seconds, or once min_labels new labels arrived since the last
-- retraining (0 turns either trigger off).

CREATE TABLE retrain_policies (
	endpoint      TEXT PRIMARY KEY,
	min_labels    BIGINT NOT NULL,
	every_seconds BIGINT NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL
);

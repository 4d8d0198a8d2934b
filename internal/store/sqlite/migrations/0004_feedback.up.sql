-- Ground truth for served predictions, joined to captured records by
-- inference id. One label per (endpoint, inference id).

CREATE TABLE feedback (
	id           INTEGER PRIMARY KEY,
	endpoint     TEXT NOT NULL,
	inference_id TEXT NOT NULL,
	label        TEXT NOT NULL,
	predicted_at TEXT NOT NULL,
	received_at  TEXT NOT NULL,
	CONSTRAINT feedback_endpoint_inference_key UNIQUE (endpoint, inference_id)
) STRICT;

CREATE INDEX feedback_endpoint_predicted_idx ON feedback (endpoint, predicted_at);

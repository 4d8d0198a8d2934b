// Package sqlstore implements store.Store over database/sql. The SQLite and
// PostgreSQL drivers (internal/store/sqlite, internal/store/postgres) are
// thin wrappers: each opens a *sql.DB, describes its SQL flavour with a
// Dialect, and calls Open.
//
// # Queries
//
// Queries are written once, here, with ? placeholders; Dialect.Placeholder
// says whether they are rebound to $1, $2, ... (PostgreSQL) before they run.
// Schema changes are numbered migrations kept as .sql files by each driver
// (migrations/NNNN_name.up.sql and .down.sql), because column types differ
// (TEXT vs TIMESTAMPTZ, TEXT vs JSONB).
//
// # Tables
//
//	schema_migrations (version PK, name, applied_at)
//	    one row per applied migration; applied_at is set by the database.
//	datasets (id PK, name UNIQUE, created_at)
//	    one row per dataset; created_at is the CreatedAt of the version
//	    that created it.
//	versions (id PK, dataset_id -> datasets, version, kind, content_hash,
//	          input_key, schema_json, row_count, byte_size, source,
//	          options_json, artifact_key, created_at)
//	    UNIQUE (dataset_id, version)   named versions_dataset_version_key
//	    UNIQUE (dataset_id, input_key) named versions_dataset_input_key
//	lineage (child_id -> versions, parent_id -> versions, role, position)
//	    PRIMARY KEY (child_id, parent_id, role); position keeps the order
//	    of NewVersion.Parents; indexed by parent_id for Children.
//	runs, run_inputs (migration 0002)
//	    training and evaluation runs and the dataset versions they read.
//	models (id PK, name UNIQUE, created_at)                    (migration 0003)
//	model_versions (id PK, model_id -> models, version, run_id -> runs,
//	                artifact_key, task, status, metrics_json, created_at,
//	                status_at)
//	    UNIQUE (model_id, version)  named model_versions_model_version_key
//	    UNIQUE (model_id, run_id)   named model_versions_model_run_key
//	model_aliases (model_id, alias) PK -> (model_id, version), updated_at
//	model_events (id PK, model_id, version, kind, endpoint, actor, reason,
//	              at, detail_json)
//	    the append-only history: rows are inserted, never updated or
//	    deleted; indexed by (model_id, at) and (endpoint, at).
//	endpoints (id PK, name UNIQUE, (model_id, version) -> model_versions,
//	           config_json, generation, created_at, updated_at, deleted_at)
//	    a deleted endpoint keeps its row (deleted_at set), so the name's
//	    generation keeps increasing if it is created again.
//
// Times are stored truncated to the microsecond (PostgreSQL's precision),
// in UTC, so that what CreateVersions returns is exactly what a later read
// returns on every driver. Empty Schema and Options are stored as NULL and
// read back as nil. Other values are checked to be valid JSON before they
// are written; PostgreSQL keeps them as JSONB, which normalises whitespace
// and key order, so compare them as JSON, not as bytes. CreateVersions
// returns the stored form.
//
// # Concurrency
//
// Versions are numbered inside the write transaction of CreateVersions: for
// each version, SELECT COALESCE(MAX(version), 0) + 1 for its dataset, then
// INSERT. Reads run outside transactions: rows are never updated or
// deleted, and a version's lineage rows commit with it.
//
// Two writers must not take the same number. SQLite serialises writers: the
// driver begins every transaction with BEGIN IMMEDIATE (and waits up to its
// busy timeout for the write lock), so MAX sees every committed version.
// PostgreSQL runs READ COMMITTED and lets writers overlap, so CreateVersions
// first creates its datasets (INSERT ... ON CONFLICT (name) DO NOTHING) and
// locks their rows (SELECT ... FOR UPDATE, Dialect.ForUpdate), in name order
// so that two calls touching the same datasets cannot deadlock. A second
// writer of the same dataset waits for the first to commit (as it does for
// any transaction that inserted a version of the dataset: the foreign key
// holds a KEY SHARE lock on the row), and its MAX, a new snapshot, then
// sees the first writer's versions.
//
// UNIQUE (dataset_id, version) remains the guard for writers that number
// versions without the lock (a dialect without ForUpdate): a violation of it, a
// detected deadlock or a serialization failure (Dialect.Retryable) makes
// CreateVersions roll back and run the whole transaction again, up to
// Config.MaxAttempts times with a short, jittered backoff; then it fails
// with a fault.KindConflict error. A violation of UNIQUE (dataset_id,
// input_key) is not retried: the input is already recorded, and the error
// wraps store.ErrDuplicate.
//
// # Registry writes
//
// Every registry write (RegisterModelVersion, SetModelStatus, SetAlias,
// RemoveAlias, PutEndpoint, DeleteEndpoint) is one transaction that also
// inserts its model_events row. Writes that concern a model lock its row
// first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's immediate
// transactions already serialise writers), so versions are numbered with
// MAX + 1 like dataset versions, and a violation of
// model_versions_model_version_key, a deadlock or a serialization failure
// runs the transaction again (Config.MaxAttempts). PutEndpoint inserts a
// deleted placeholder row for a new name (INSERT ... ON CONFLICT DO
// NOTHING) and locks the row before it updates it, so concurrent deploys of
// one endpoint take consecutive generations and each deploy event names the
// version it replaced.
//
// # Migrations
//
// Open (and Migrate) applies pending migrations in order, one transaction
// each, recording each in schema_migrations in the same transaction. Every
// migration transaction first takes the dialect's migration lock
// (Dialect.MigrationLock: pg_advisory_xact_lock on PostgreSQL; on SQLite
// BEGIN IMMEDIATE is the lock), then reads the recorded version, so two
// processes opening one database at once apply each migration once. A
// database whose recorded version is newer than the newest migration this
// binary has is refused with ErrSchemaTooNew. The .down.sql files are for
// operators; nothing here runs them.
package sqlstore

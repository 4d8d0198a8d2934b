package sqlstore

import (
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// Placeholder is how a driver writes query parameters.
type Placeholder int

const (
	// Question leaves ? placeholders as they are (SQLite).
	Question Placeholder = iota
	// Dollar rewrites them to $1, $2, ... (PostgreSQL).
	Dollar
)

// Names of the unique constraints that Dialect.UniqueViolation reports.
// The migrations of every driver must give the constraints these names (or,
// where the database reports columns rather than names, map the columns to
// them).
const (
	// ConstraintVersion is UNIQUE (dataset_id, version) on versions.
	ConstraintVersion = "versions_dataset_version_key"
	// ConstraintInput is UNIQUE (dataset_id, input_key) on versions.
	ConstraintInput = "versions_dataset_input_key"
)

// Dialect describes what differs between the SQL databases that Store runs
// on. The queries themselves are shared.
type Dialect struct {
	// Name is what Store.Driver returns: "sqlite" or "postgres".
	Name string
	// Placeholder says how ? placeholders are rewritten.
	Placeholder Placeholder
	// Migrations holds the numbered migration files at its root:
	// 0001_name.up.sql and 0001_name.down.sql, numbered from 1 without
	// gaps.
	Migrations fs.FS
	// MigrationLock, if set, is executed first in every migration
	// transaction and must block until no other migration transaction on
	// the same database runs (PostgreSQL: SELECT pg_advisory_xact_lock).
	// Empty where beginning the transaction already takes the database's
	// write lock (SQLite with BEGIN IMMEDIATE).
	MigrationLock string
	// ForUpdate is appended to the SELECT that reads a dataset's row in
	// CreateVersions, to lock the row until the transaction ends ("FOR
	// UPDATE"). Empty where write transactions already exclude each other.
	ForUpdate string
	// UniqueViolation reports whether err is a unique-constraint violation
	// and, if so, the constraint's name (ConstraintVersion,
	// ConstraintInput, or another name for constraints the store does not
	// expect to be violated).
	UniqueViolation func(err error) (constraint string, ok bool)
	// Retryable reports whether err is a transient conflict with another
	// transaction (a detected deadlock, a serialization failure) after
	// which the whole transaction may run again. Nil means none is.
	Retryable func(err error) bool
	// TimeValue converts a time (UTC, truncated to the microsecond) to the
	// value bound to a query. Nil passes the time.Time to the driver.
	// Reads accept time.Time, and strings in RFC 3339 format.
	TimeValue func(time.Time) any
}

// rebind rewrites the ? placeholders of query for d. Question marks inside
// single-quoted string literals are left alone.
func (d *Dialect) rebind(query string) string {
	if d.Placeholder != Dollar || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// timeValue returns the query argument for t.
func (d *Dialect) timeValue(t time.Time) any {
	t = storedTime(t)
	if d.TimeValue == nil {
		return t
	}
	return d.TimeValue(t)
}

// storedTime is t as the store keeps it: UTC, truncated to the microsecond.
func storedTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

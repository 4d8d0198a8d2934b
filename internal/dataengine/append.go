package dataengine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// CreateLabels creates table (a plain in-memory table on conn's database)
// with one UTINYINT column "label" holding labels in row order, using
// DuckDB's appender. It pairs with a POSITIONAL JOIN against a file read in
// the same row order. The caller drops the table.
func CreateLabels(ctx context.Context, conn *sql.Conn, table string, labels []uint8) error {
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (label UTINYINT)", Ident(table))); err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		for i, l := range labels {
			if i%65536 == 0 && ctx.Err() != nil {
				a.Close()
				return ctx.Err()
			}
			if err := a.AppendRow(l); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
}

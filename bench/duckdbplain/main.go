// Command duckdbplain converts a CSV file to Parquet with DuckDB and nothing
// else: the baseline that bench/ingest.sh compares `mlcycle data add` with.
// It uses the same DuckDB build (duckdb-go) with DuckDB's defaults:
//
//	COPY (SELECT * FROM read_csv(SRC)) TO DST (FORMAT parquet)
package main

import (
	"database/sql"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: duckdbplain SRC.csv DST.parquet")
		os.Exit(2)
	}
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	q := fmt.Sprintf("COPY (SELECT * FROM read_csv(%s)) TO %s (FORMAT parquet)", lit(os.Args[1]), lit(os.Args[2]))
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(n)
}

func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// QueryOptions tune Query.
type QueryOptions struct {
	// IncludeSecrets lets the query read persona_state.identity (cookies and
	// local storage). Without it that column reads as NULL.
	IncludeSecrets bool
	// Args are bound to the query's ? parameters.
	Args []any
	// Timeout interrupts the query after this long (0: no limit) with an
	// error wrapping ErrQueryTimeout.
	Timeout time.Duration
	// MaxMemory caps the bytes SQLite may allocate while the query runs,
	// beyond what it holds when the query starts (0: no cap); past it the
	// query fails with an error wrapping ErrQueryMemory. It uses SQLite's
	// hard heap limit, which is one for the whole process: while a capped
	// query runs, every other connection of the process is under the same
	// cap, and capped queries run one at a time. The previous limit is
	// restored afterwards.
	MaxMemory int64
}

// Limits of Query.
var (
	// ErrQueryTimeout means a query ran past QueryOptions.Timeout.
	ErrQueryTimeout = errors.New("query timed out")
	// ErrQueryMemory means a query needed more than QueryOptions.MaxMemory.
	ErrQueryMemory = errors.New("query needs too much memory")
)

// seconds shows a duration as seconds: 60s, 0.5s.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s" }

// secretColumns are the columns Query hides unless told otherwise:
// table -> column.
var secretColumns = map[string]string{"persona_state": "identity"}

// readOnlyPragmas are the pragmas a query may run with an argument (they
// take a table or index name and only read).
var readOnlyPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true, "index_list": true,
	"index_info": true, "index_xinfo": true, "foreign_key_list": true,
}

// Query runs one researcher's SQL statement (or several separated by
// semicolons: the rows are the last one's) and calls fn once with the column
// names and then with each row's values (int64, float64, string, []byte or
// nil; the slice is reused between calls). Only reading is allowed: an
// SQLite authorizer refuses every statement that would write, attach a file,
// change a setting or begin a transaction before it runs, and Query returns
// an error wrapping ErrReadOnly that names what was refused; nothing is
// changed. On a DB opened with OpenReadOnly, SQLite's read-only mode is a
// second guard. persona_state.identity reads as NULL unless
// opts.IncludeSecrets. Cancelling ctx interrupts the query; so do
// opts.Timeout and opts.MaxMemory, with errors that say which limit it hit.
func (db *DB) Query(ctx context.Context, query string, opts QueryOptions, fn func(cols []string, row []any) error) error {
	qctx := ctx
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		qctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	conn, err := db.r.Conn(qctx)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer conn.Close()
	if opts.MaxMemory > 0 {
		defer capHeap(opts.MaxMemory)()
	}
	var (
		mu      sync.Mutex
		refused []string
	)
	auth := func(op int, arg1, arg2, _ string) int {
		switch op {
		case sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, 33 /* SQLITE_RECURSIVE */ :
			return sqlite3.SQLITE_OK
		case sqlite3.SQLITE_READ:
			if col, ok := secretColumns[strings.ToLower(arg1)]; ok && strings.EqualFold(col, arg2) && !opts.IncludeSecrets {
				return sqlite3.SQLITE_IGNORE
			}
			return sqlite3.SQLITE_OK
		case sqlite3.SQLITE_PRAGMA:
			if arg2 == "" || readOnlyPragmas[strings.ToLower(arg1)] {
				return sqlite3.SQLITE_OK
			}
		}
		mu.Lock()
		refused = append(refused, describeOp(op, arg1, arg2))
		mu.Unlock()
		return sqlite3.SQLITE_DENY
	}
	setAuth := func(f func(int, string, string, string) int) error {
		return conn.Raw(func(dc any) error {
			c, ok := dc.(*sqlite3.SQLiteConn)
			if !ok {
				return fmt.Errorf("unexpected driver connection %T", dc)
			}
			c.RegisterAuthorizer(f)
			return nil
		})
	}
	if err := setAuth(auth); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	// Setting the authorizer expires the connection's prepared statements,
	// so cached ones are re-prepared under it; clear it before the
	// connection goes back to the pool.
	defer setAuth(nil)

	fail := func(err error) error {
		if opts.Timeout > 0 && errors.Is(qctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return fmt.Errorf("query took longer than %s (--timeout): %w", seconds(opts.Timeout), ErrQueryTimeout)
		}
		var se sqlite3.Error
		if opts.MaxMemory > 0 && errors.As(err, &se) && (se.Code == sqlite3.ErrNomem || se.Code == sqlite3.ErrTooBig) {
			return fmt.Errorf("query needed more than %d MiB of memory (--max-memory): %w", opts.MaxMemory>>20, ErrQueryMemory)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(refused) > 0 {
			what := refused[0]
			return fmt.Errorf("query refused: it would %s; feedprobe query only reads and changed nothing: %w", what, ErrReadOnly)
		}
		if strings.Contains(err.Error(), "readonly database") || strings.Contains(err.Error(), "query_only") {
			return fmt.Errorf("query refused: it would write; feedprobe query only reads and changed nothing: %w", ErrReadOnly)
		}
		return fmt.Errorf("query: %w", err)
	}
	rows, err := conn.QueryContext(qctx, query, opts.Args...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fail(err)
	}
	if err := fn(cols, nil); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		for i := range vals {
			vals[i] = nil
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fail(err)
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if err := rows.Close(); err != nil {
		return fail(err)
	}
	return nil
}

// describeOp says in words what an authorizer action would do.
func describeOp(op int, arg1, arg2 string) string {
	if strings.HasPrefix(arg1, "sqlite_") && strings.HasSuffix(arg1, "master") {
		// DDL shows up first as a write to the schema table.
		return "change the schema (create, drop or alter a table, index, view or trigger)"
	}
	switch op {
	case sqlite3.SQLITE_INSERT:
		return "insert into " + arg1
	case sqlite3.SQLITE_UPDATE:
		return fmt.Sprintf("update %s.%s", arg1, arg2)
	case sqlite3.SQLITE_DELETE:
		return "delete from " + arg1
	case sqlite3.SQLITE_PRAGMA:
		return fmt.Sprintf("set PRAGMA %s = %s", arg1, arg2)
	case sqlite3.SQLITE_ATTACH:
		return "attach " + arg1
	case sqlite3.SQLITE_DETACH:
		return "detach " + arg1
	case sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT:
		return "begin or end a transaction"
	case sqlite3.SQLITE_CREATE_TABLE, sqlite3.SQLITE_CREATE_TEMP_TABLE:
		return "create table " + arg1
	case sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_DROP_TEMP_TABLE:
		return "drop table " + arg1
	case sqlite3.SQLITE_ALTER_TABLE:
		return "alter table " + arg2
	}
	return fmt.Sprintf("run SQLite action %d (%s %s), which is not a read", op, arg1, arg2)
}

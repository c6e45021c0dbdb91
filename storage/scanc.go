package storage

// The session scan's reader: a loop in C over the plain rows of a chunk's
// sessions, on its own read-only connection of the SQLite that go-sqlite3
// links in, that writes each (session, surface) group's records in the
// format of chunkSQL. It does what chunkSQL's group_concat(format(...))
// does without SQLite's printf, string values and concatenations, and
// crosses into C once per chunk instead of once per row.

/*
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
extern int sqlite3_open_v2(const char*, sqlite3**, int, const char*);
extern int sqlite3_close_v2(sqlite3*);
extern int sqlite3_busy_timeout(sqlite3*, int);
extern int sqlite3_prepare_v2(sqlite3*, const char*, int, sqlite3_stmt**, const char**);
extern int sqlite3_bind_int64(sqlite3_stmt*, int, long long);
extern int sqlite3_step(sqlite3_stmt*);
extern int sqlite3_reset(sqlite3_stmt*);
extern int sqlite3_finalize(sqlite3_stmt*);
extern int sqlite3_column_type(sqlite3_stmt*, int);
extern long long sqlite3_column_int64(sqlite3_stmt*, int);
extern const unsigned char* sqlite3_column_text(sqlite3_stmt*, int);
extern int sqlite3_column_bytes(sqlite3_stmt*, int);
extern const char* sqlite3_errmsg(sqlite3*);
extern void sqlite3_interrupt(sqlite3*);

enum { FP_ROW = 100, FP_DONE = 101, FP_INTEGER = 1, FP_NULL = 5, FP_NOMEM = 7 };

typedef struct {
	char*  buf;
	size_t len, cap;
} fp_buf;

static int fp_reserve(fp_buf* b, size_t more) {
	if (b->len + more <= b->cap) return 1;
	size_t cap = b->cap ? b->cap : 1 << 20;
	while (cap < b->len + more) cap *= 2;
	char* p = realloc(b->buf, cap);
	if (!p) return 0;
	b->buf = p;
	b->cap = cap;
	return 1;
}

static void fp_put32(char* p, uint32_t v) {
	p[0] = (char)v; p[1] = (char)(v >> 8); p[2] = (char)(v >> 16); p[3] = (char)(v >> 24);
}

static uint32_t fp_get32(const char* p) {
	const unsigned char* u = (const unsigned char*)p;
	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

// fp_int writes v in decimal at p and returns the bytes written (at most 20).
static int fp_int(char* p, long long v) {
	char tmp[24];
	int n = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do { tmp[n++] = '0' + (char)(u % 10); u /= 10; } while (u);
	if (v < 0) tmp[n++] = '-';
	for (int i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
	return n;
}

// fp_value writes column c as format('%s') would: an integer in decimal,
// NULL as nothing, anything else as its text.
static int fp_value(fp_buf* b, sqlite3_stmt* st, int c) {
	int t = sqlite3_column_type(st, c);
	if (t == FP_INTEGER) {
		if (!fp_reserve(b, 24)) return 0;
		b->len += fp_int(b->buf + b->len, sqlite3_column_int64(st, c));
		return 1;
	}
	if (t == FP_NULL) return 1;
	const unsigned char* s = sqlite3_column_text(st, c);
	int n = sqlite3_column_bytes(st, c);
	if (!fp_reserve(b, (size_t)n)) return 0;
	if (n > 0) memcpy(b->buf + b->len, s, (size_t)n);
	b->len += (size_t)n;
	return 1;
}

// fp_head writes a group's header at p: int64 session, uint32
// len(surface), surface; it returns the bytes written (12 + ns).
static size_t fp_head(char* p, long long s, const unsigned char* surf, int ns) {
	fp_put32(p, (uint32_t)(unsigned long long)s);
	fp_put32(p + 4, (uint32_t)((unsigned long long)s >> 32));
	fp_put32(p + 8, (uint32_t)ns);
	if (ns > 0) memcpy(p + 12, surf, (size_t)ns);
	return 12 + (size_t)ns;
}

// fp_scan steps st (columns session_id, surface, rank, seen_at, item_id,
// topic, title, ordered by session_id and surface) to the end and writes
// each (session, surface) group to b as
//   int64 session, uint32 len(surface), surface, uint32 n, uint32 len(rec), rec
// (integers little-endian) with rec the group's records as chunkSQL builds them. It returns
// FP_DONE, SQLite's error code, or FP_NOMEM.
static int fp_scan(sqlite3_stmt* st, fp_buf* b) {
	size_t group = (size_t)-1; // offset of the open group's header
	size_t recStart = 0;
	uint32_t n = 0;
	long long sid = 0;
	int rc;
	b->len = 0;
	while ((rc = sqlite3_step(st)) == FP_ROW) {
		long long s = sqlite3_column_int64(st, 0);
		const unsigned char* surf = sqlite3_column_text(st, 1);
		int ns = sqlite3_column_bytes(st, 1);
		int same = group != (size_t)-1 && s == sid;
		if (same) {
			uint32_t have = fp_get32(b->buf + group + 8);
			same = have == (uint32_t)ns && (ns == 0 || memcmp(b->buf + group + 12, surf, (size_t)ns) == 0);
		}
		if (!same) {
			if (group != (size_t)-1) {
				fp_put32(b->buf + recStart - 8, n);
				fp_put32(b->buf + recStart - 4, (uint32_t)(b->len - recStart));
			}
			if (!fp_reserve(b, 20 + (size_t)ns)) return FP_NOMEM;
			group = b->len;
			sid = s;
			b->len += fp_head(b->buf + b->len, s, surf, ns) + 8;
			recStart = b->len;
			n = 0;
		}
		n++;
		const unsigned char* item = sqlite3_column_text(st, 4);
		int ni = sqlite3_column_bytes(st, 4);
		const unsigned char* topic = sqlite3_column_text(st, 5);
		int nt = sqlite3_column_bytes(st, 5);
		const unsigned char* title = sqlite3_column_text(st, 6);
		int nl = sqlite3_column_bytes(st, 6);
		if (!fp_value(b, st, 2)) return FP_NOMEM;
		if (!fp_reserve(b, 1)) return FP_NOMEM;
		b->buf[b->len++] = ',';
		if (!fp_value(b, st, 3)) return FP_NOMEM;
		if (!fp_reserve(b, 3 * 21 + 3 + (size_t)ni + (size_t)nt + (size_t)nl)) return FP_NOMEM;
		char* p = b->buf + b->len;
		*p++ = ',';
		p += fp_int(p, ni);
		*p++ = ',';
		p += fp_int(p, nt);
		*p++ = ',';
		p += fp_int(p, nl);
		*p++ = ':';
		if (ni > 0) { memcpy(p, item, (size_t)ni); p += ni; }
		if (nt > 0) { memcpy(p, topic, (size_t)nt); p += nt; }
		if (nl > 0) { memcpy(p, title, (size_t)nl); p += nl; }
		b->len = (size_t)(p - b->buf);
	}
	if (group != (size_t)-1) {
		fp_put32(b->buf + recStart - 8, n);
		fp_put32(b->buf + recStart - 4, (uint32_t)(b->len - recStart));
	}
	return rc;
}

// fp_scan_records steps st (columns session_id, surface, n, rec: one row
// per (session, surface) group with its records as stored in
// impression_records) to the end and writes each row to b as fp_scan
// writes a group. It returns FP_DONE, SQLite's error code, or FP_NOMEM.
static int fp_scan_records(sqlite3_stmt* st, fp_buf* b) {
	int rc;
	b->len = 0;
	while ((rc = sqlite3_step(st)) == FP_ROW) {
		long long s = sqlite3_column_int64(st, 0);
		const unsigned char* surf = sqlite3_column_text(st, 1);
		int ns = sqlite3_column_bytes(st, 1);
		long long n = sqlite3_column_int64(st, 2);
		const unsigned char* rec = sqlite3_column_text(st, 3);
		int nr = sqlite3_column_bytes(st, 3);
		if (n < 0 || n > 0xffffffffLL) n = 0; // fill reports a count below 1
		if (!fp_reserve(b, 20 + (size_t)ns + (size_t)nr)) return FP_NOMEM;
		char* p = b->buf + b->len;
		p += fp_head(p, s, surf, ns);
		fp_put32(p, (uint32_t)n);
		fp_put32(p + 4, (uint32_t)nr);
		if (nr > 0) memcpy(p + 8, rec, (size_t)nr);
		b->len += 20 + (size_t)ns + (size_t)nr;
	}
	return rc;
}
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unsafe"
)

// chunkRowsSQL returns the plain-row query of a chunk of n sessions that
// cScanner reads.
func chunkRowsSQL(from string, n int) string {
	return `SELECT session_id, surface, rank, seen_at, item_id, topic, title
		FROM ` + from + ` WHERE session_id IN (?` + strings.Repeat(",?", n-1) + `)
		ORDER BY session_id, surface, rank`
}

// chunkRecordsSQL returns the query of the stored records
// (impression_records) of a chunk of n sessions.
func chunkRecordsSQL(n int) string {
	return `SELECT session_id, surface, n, rec FROM impression_records
		WHERE session_id IN (?` + strings.Repeat(",?", n-1) + `)`
}

// cScanner is one read-only connection of its own and the buffer its
// chunks are written to; one goroutine uses it at a time.
type cScanner struct {
	db  *C.sqlite3
	buf C.fp_buf
}

// openCScanner opens a read-only connection to the database at uri (a
// "file:" URI as fileURI makes).
func openCScanner(uri string) (*cScanner, error) {
	name := C.CString(uri + "?mode=ro")
	defer C.free(unsafe.Pointer(name))
	const flags = 0x1 | 0x40 | 0x8000 // SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
	s := &cScanner{}
	if rc := C.sqlite3_open_v2(name, &s.db, flags, nil); rc != 0 {
		err := fmt.Errorf("open %s: %s (%d)", uri, C.GoString(C.sqlite3_errmsg(s.db)), int(rc))
		C.sqlite3_close_v2(s.db)
		return nil, err
	}
	C.sqlite3_busy_timeout(s.db, 5000)
	return s, nil
}

// close closes the connection and frees the buffer.
func (s *cScanner) close() {
	C.sqlite3_close_v2(s.db)
	C.free(unsafe.Pointer(s.buf.buf))
	s.buf = C.fp_buf{}
}

// readStored calls add for each (session, surface) group of the sessions
// ids that has stored records (chunkRecordsSQL), with its record count and
// records.
func (s *cScanner) readStored(ctx context.Context, ids []int64, add func(id int64, g surfaceRecord) error) error {
	return s.readGroups(ctx, chunkRecordsSQL(len(ids)), true, ids, add)
}

// readRows calls add for each (session, surface) group of the sessions
// ids in from's rows (chunkRowsSQL), rendered as records by the C loop.
func (s *cScanner) readRows(ctx context.Context, from string, ids []int64, add func(id int64, g surfaceRecord) error) error {
	return s.readGroups(ctx, chunkRowsSQL(from, len(ids)), false, ids, add)
}

// readGroups runs query with the sessions ids bound, through fp_scan_records
// when stored (the rows are groups already) or fp_scan, and calls add for
// each group. The records of the whole chunk are one Go string. Cancelling
// ctx interrupts the query.
func (s *cScanner) readGroups(ctx context.Context, query string, stored bool, ids []int64, add func(id int64, g surfaceRecord) error) error {
	q := C.CString(query)
	defer C.free(unsafe.Pointer(q))
	var st *C.sqlite3_stmt
	if rc := C.sqlite3_prepare_v2(s.db, q, -1, &st, nil); rc != 0 {
		return fmt.Errorf("prepare: %s (%d)", C.GoString(C.sqlite3_errmsg(s.db)), int(rc))
	}
	defer C.sqlite3_finalize(st)
	for i, id := range ids {
		C.sqlite3_bind_int64(st, C.int(i+1), C.longlong(id))
	}
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		C.sqlite3_interrupt(s.db)
	})
	var rc C.int
	if stored {
		rc = C.fp_scan_records(st, &s.buf)
	} else {
		rc = C.fp_scan(st, &s.buf)
	}
	if !stop() {
		<-interrupted // the connection must outlive the interrupt
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.buf.len > math.MaxInt32 {
		return fmt.Errorf("read chunk: %d bytes, more than a chunk may hold", s.buf.len)
	}
	switch rc {
	case 101: // SQLITE_DONE
	case 7:
		return fmt.Errorf("read chunk: out of memory")
	default:
		return fmt.Errorf("read chunk: %s (%d)", C.GoString(C.sqlite3_errmsg(s.db)), int(rc))
	}
	data := C.GoStringN(s.buf.buf, C.int(s.buf.len))
	le32 := func(p int) int {
		return int(uint32(data[p]) | uint32(data[p+1])<<8 | uint32(data[p+2])<<16 | uint32(data[p+3])<<24)
	}
	for p := 0; p < len(data); {
		if len(data)-p < 12 {
			return fmt.Errorf("read chunk: truncated group at byte %d", p)
		}
		id := int64(uint64(le32(p)) | uint64(le32(p+4))<<32)
		ns := le32(p + 8)
		p += 12
		if len(data)-p < ns+8 {
			return fmt.Errorf("read chunk: truncated group at byte %d", p)
		}
		surface := strings.Clone(data[p : p+ns]) // kept by callers, unlike the records
		p += ns
		n, nr := le32(p), le32(p+4)
		p += 8
		if len(data)-p < nr {
			return fmt.Errorf("read chunk: truncated group at byte %d", p)
		}
		if err := add(id, surfaceRecord{surface: surface, n: n, rec: data[p : p+nr]}); err != nil {
			return err
		}
		p += nr
	}
	return nil
}

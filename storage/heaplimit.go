package storage

// SQLite's hard heap limit can only be lowered through PRAGMA
// hard_heap_limit, so Query sets and restores it through the C interface of
// the SQLite that go-sqlite3 links in.

/*
extern long long sqlite3_hard_heap_limit64(long long);
extern long long sqlite3_memory_used(void);
*/
import "C"

import "sync"

// heapMu serialises queries that cap SQLite's heap: the limit is one for
// the whole process.
var heapMu sync.Mutex

// capHeap lets SQLite allocate at most extra bytes more than it holds now,
// and returns the function that restores the previous limit. Only one cap
// is in force at a time; a second capped query waits for the first.
func capHeap(extra int64) (restore func()) {
	heapMu.Lock()
	used := int64(C.sqlite3_memory_used())
	old := C.sqlite3_hard_heap_limit64(C.longlong(used + extra))
	return func() {
		C.sqlite3_hard_heap_limit64(old)
		heapMu.Unlock()
	}
}

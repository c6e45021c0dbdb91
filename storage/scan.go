package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// SessionImpressions is one done session's impressions in columnar form,
// ordered by surface, then rank (the order of EachImpression). The six
// column slices have the same length, one element per impression.
//
// ItemID, Topic and Title are substrings of one string read per chunk of
// sessions (see EachSessionImpressions), so keeping any of them keeps that
// chunk's text alive; copy them (strings.Clone) to keep only a few.
type SessionImpressions struct {
	Session Session // the sessions row
	Persona string  // the persona's name
	Role    string  // the persona's role
	Surface []string
	Rank    []int32
	// SeenAt is in Unix milliseconds, UTC, as stored; -1 where the column
	// is NULL, which EachImpression reports as the zero time.Time. (A
	// stored -1, one millisecond before the epoch, reads as NULL too.)
	SeenAt []int64
	ItemID []string
	Topic  []string
	Title  []string
}

// Len returns the number of impressions.
func (s *SessionImpressions) Len() int { return len(s.Rank) }

// scanOptions tune EachSessionImpressions; tests shrink them to force many
// chunks.
type scanOptions struct {
	chunkSessions    int // at most this many sessions per query
	chunkImpressions int // a chunk is closed once its sessions' Items reach this
	workers          int // queries running at once (connections of the scan's own)
}

// defaultScanOptions returns the options of EachSessionImpressions: chunks
// of up to 256 sessions or about 64k impressions, read by GOMAXPROCS
// connections.
func (db *DB) defaultScanOptions() scanOptions {
	return scanOptions{chunkSessions: 256, chunkImpressions: 1 << 16, workers: max(1, runtime.GOMAXPROCS(0))}
}

// EachSessionImpressions calls fn once per done session of the campaign, in
// the order of EachImpression (persona id, seq, attempt, session id), with
// the session's impressions in columnar form; a done session without
// impressions comes with empty columns. It carries the columns analysis needs
// (not Sponsored, Synthetic or Price) and is several times faster than
// EachImpression: sessions are read in chunks, each by one query of the
// chunk's stored records (impression_records: length-prefixed records, one
// value per (session, surface), kept by triggers) and, for the sessions
// without them, one query whose rows a loop in C (cScanner) turns into the
// same records, on read-only connections of the scan's own, GOMAXPROCS of
// them at once (not the read pool's), and handed to fn in order from the
// calling goroutine. Chunks hold up to 256 sessions or about 64k
// impressions, and at most one chunk per connection is read ahead of fn, so
// memory stays bounded.
//
// fn owns the *SessionImpressions it is given (it is never reused). It stops
// at the first error fn returns and returns it unwrapped. Cancelling ctx
// stops the scan; the error then wraps ctx.Err(). Every goroutine it starts
// has ended when it returns. fn may call other methods of db.
//
// Unlike EachImpression the scan does not read from one snapshot: the list
// of done sessions is read first, each chunk later on its own connection.
// A done session's impressions no longer change, so the result is the same
// unless sessions are deleted or replaced meanwhile (merging into this
// file). A malformed stored value (a rank or seen_at that is not an
// integer) is an error naming the session; fn has then seen the sessions of
// the chunks before it. It is safe for concurrent use.
func (db *DB) EachSessionImpressions(ctx context.Context, campaignID int64, fn func(*SessionImpressions) error) error {
	return db.eachSessionImpressions(ctx, campaignID, db.defaultScanOptions(), fn)
}

func (db *DB) eachSessionImpressions(ctx context.Context, campaignID int64, opt scanOptions, fn func(*SessionImpressions) error) error {
	sessions, err := db.doneSessions(ctx, campaignID)
	if err != nil {
		return fmt.Errorf("impressions of campaign %d: %w", campaignID, err)
	}
	chunks := splitChunks(sessions, opt)
	if len(chunks) == 0 {
		return nil
	}
	workers := max(1, min(opt.workers, len(chunks)))

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // runs after cancel: no goroutine outlives the call
	defer cancel()

	// An ordered parallel map. The dispatcher queues each chunk's result
	// channel in pending, in order, then hands the chunk to a worker; the
	// consumer below takes results in pending's order. pending's capacity
	// bounds the chunks read but not yet handed to fn.
	type job struct {
		chunk []*SessionImpressions
		done  chan error // buffered: a worker never blocks on it
	}
	pending := make(chan job, workers)
	jobs := make(chan job)
	wg.Go(func() {
		defer close(jobs)
		defer close(pending)
		for _, c := range chunks {
			j := job{chunk: c, done: make(chan error, 1)}
			select {
			case pending <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				j.done <- ctx.Err()
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			var sc *cScanner // a connection of its own, opened at the first chunk
			defer func() {
				if sc != nil {
					sc.close()
				}
			}()
			for j := range jobs {
				if sc == nil {
					var err error
					if sc, err = openCScanner(db.uri); err != nil {
						j.done <- err
						continue
					}
				}
				j.done <- db.readChunk(ctx, sc, j.chunk)
			}
		})
	}
	delivered := 0
	for j := range pending {
		var err error
		select {
		case err = <-j.done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				err = ctxErr // an interrupted query says less than why
			}
			return fmt.Errorf("impressions of campaign %d: %w", campaignID, err)
		}
		for i, s := range j.chunk {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("impressions of campaign %d: %w", campaignID, err)
			}
			j.chunk[i] = nil // let fn's session go once fn is done with it
			if err := fn(s); err != nil {
				return err
			}
		}
		delivered++
	}
	if delivered < len(chunks) { // the dispatcher stopped: ctx ended
		return fmt.Errorf("impressions of campaign %d: %w", campaignID, context.Cause(ctx))
	}
	return nil
}

// doneSessions returns the campaign's done sessions, with their persona's
// name and role, in the order of EachImpression.
func (db *DB) doneSessions(ctx context.Context, campaignID int64) ([]*SessionImpressions, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT s.id, s.campaign_id, s.persona_id, s.seq, s.attempt, s.status,
			s.planned_at, s.started_at, s.finished_at, s.error, s.items, p.name, p.role
		FROM sessions s CROSS JOIN personas p
		WHERE s.campaign_id = ? AND s.status = 'done' AND p.id = s.persona_id
		ORDER BY s.campaign_id, s.persona_id, s.seq, s.attempt, s.id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ss []*SessionImpressions
	for rows.Next() {
		si := &SessionImpressions{}
		si.Session, err = scanSession(extraScanner{rows, []any{&si.Persona, &si.Role}})
		if err != nil {
			return nil, err
		}
		ss = append(ss, si)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ss, nil
}

// extraScanner scans the columns after the ones its caller asks for into
// extra.
type extraScanner struct {
	r     rowScanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.r.Scan(append(dest, e.extra...)...) }

// splitChunks cuts the ordered sessions into chunks of at most
// opt.chunkSessions sessions, closing a chunk early once its sessions hold
// opt.chunkImpressions impressions (by Session.Items).
func splitChunks(ss []*SessionImpressions, opt scanOptions) [][]*SessionImpressions {
	var (
		chunks [][]*SessionImpressions
		start  int
		items  int
	)
	for i, s := range ss {
		items += max(s.Session.Items, 1)
		if i+1-start >= opt.chunkSessions || items >= opt.chunkImpressions || i == len(ss)-1 {
			chunks = append(chunks, ss[start:i+1:i+1])
			start, items = i+1, 0
		}
	}
	return chunks
}

// A chunk is read as one group of records per (session, surface) of its
// sessions (cScanner.readStored, cScanner.readRows): the group's number of impressions and
// their records concatenated, each record
//
//	rank,seen_at,len(item_id),len(topic),len(title):item_id topic title
//
// with rank and seen_at as format('%s') writes them (seen_at empty for
// NULL; a malformed stored value kept as stored, for parseRecords to
// report) and the lengths in bytes, so no byte of the text can be mistaken
// for a separator.

// surfaceRecord is one (session, surface) group of records.
type surfaceRecord struct {
	surface string
	n       int
	rec     string
}

// readChunk fills the columns of the chunk's sessions, read by sc.
func (db *DB) readChunk(ctx context.Context, sc *cScanner, chunk []*SessionImpressions) error {
	at := make(map[int64]int, len(chunk))
	ids := make([]int64, len(chunk))
	for i, s := range chunk {
		at[s.Session.ID] = i
		ids[i] = s.Session.ID
	}
	groups := make([][]surfaceRecord, len(chunk))
	add := func(id int64, g surfaceRecord) error {
		i, ok := at[id]
		if !ok {
			return fmt.Errorf("session %d not asked for", id)
		}
		groups[i] = append(groups[i], g)
		return nil
	}
	// The impressions table's done sessions have their records stored
	// (impression_records, written when they became done, dropped when
	// their impressions change); the rows are read for those that have
	// none (sessions without impressions, or written by an older
	// feedprobe's import or by hand), and for a re-extraction's view.
	rows := ids
	if from := db.impressionsFrom(); from == "impressions" {
		if err := sc.readStored(ctx, ids, add); err != nil {
			return err
		}
		rows = nil
		for i, id := range ids {
			if len(groups[i]) == 0 {
				rows = append(rows, id)
			}
		}
	}
	if len(rows) > 0 {
		if err := sc.readRows(ctx, db.impressionsFrom(), rows, add); err != nil {
			return err
		}
	}
	for i, s := range chunk {
		if err := s.fill(groups[i]); err != nil {
			return fmt.Errorf("session %d: %w", s.Session.ID, err)
		}
	}
	return nil
}

// fill sets the columns of s from its surfaces' records, ordering the
// surfaces by name and each surface's impressions by rank.
func (s *SessionImpressions) fill(groups []surfaceRecord) error {
	slices.SortFunc(groups, func(a, b surfaceRecord) int { return strings.Compare(a.surface, b.surface) })
	total := 0
	for i, g := range groups {
		if i > 0 && g.surface == groups[i-1].surface {
			return fmt.Errorf("surface %q twice", g.surface)
		}
		if g.n < 1 {
			return fmt.Errorf("surface %q: count %d", g.surface, g.n)
		}
		total += g.n
	}
	s.Surface = make([]string, total)
	s.Rank = make([]int32, total)
	s.SeenAt = make([]int64, total)
	s.ItemID = make([]string, total)
	s.Topic = make([]string, total)
	s.Title = make([]string, total)
	off := 0
	for _, g := range groups {
		if err := s.parseRecords(off, g); err != nil {
			return fmt.Errorf("surface %q: %w", g.surface, err)
		}
		off += g.n
	}
	return nil
}

// errMalformed is wrapped by every parse error of a surface's records.
var errMalformed = errors.New("malformed impression record")

// parseRecords parses g's records (see surfaceRecord) into the columns of s from
// index off, exactly g.n of them, and sorts them by rank unless they are
// sorted already.
func (s *SessionImpressions) parseRecords(off int, g surfaceRecord) error {
	rec := g.rec
	p := 0
	sorted := true
	for k := off; k < off+g.n; k++ {
		var (
			rank, seen, nItem, nTopic, nTitle int64
			ok                                bool
		)
		rank, p, ok = number(rec, p, ',')
		if !ok || rank < 1 || rank > math.MaxInt32 {
			return fmt.Errorf("impression %d: rank: %w", k-off+1, errMalformed)
		}
		if p < len(rec) && rec[p] == ',' {
			seen, p = -1, p+1 // NULL
		} else if seen, p, ok = number(rec, p, ','); !ok {
			return fmt.Errorf("impression %d (rank %d): seen_at: %w", k-off+1, rank, errMalformed)
		}
		nItem, p, ok = number(rec, p, ',')
		if ok {
			nTopic, p, ok = number(rec, p, ',')
		}
		if ok {
			nTitle, p, ok = number(rec, p, ':')
		}
		if !ok || nItem < 0 || nTopic < 0 || nTitle < 0 || nItem+nTopic+nTitle > int64(len(rec)-p) {
			return fmt.Errorf("impression %d (rank %d): lengths: %w", k-off+1, rank, errMalformed)
		}
		s.Surface[k] = g.surface
		s.Rank[k] = int32(rank)
		s.SeenAt[k] = seen
		s.ItemID[k] = rec[p : p+int(nItem)]
		p += int(nItem)
		s.Topic[k] = rec[p : p+int(nTopic)]
		p += int(nTopic)
		s.Title[k] = rec[p : p+int(nTitle)]
		p += int(nTitle)
		if k > off && s.Rank[k] <= s.Rank[k-1] {
			sorted = false
		}
	}
	if p != len(rec) {
		return fmt.Errorf("%d bytes after %d impressions: %w", len(rec)-p, g.n, errMalformed)
	}
	if !sorted {
		sort.Stable(byRank{s, off, off + g.n})
	}
	return nil
}

// number parses the decimal integer (optionally negative) at rec[p:] that
// ends with the byte end, and returns it and the position after end. Up to
// 18 digits cannot overflow and are summed without a check (a rank, a
// Unix time in milliseconds and a length have at most 13); longer runs
// of digits, leading zeros included, go through numberChecked.
func number(rec string, p int, end byte) (int64, int, bool) {
	start := p
	neg := p < len(rec) && rec[p] == '-'
	if neg {
		p++
	}
	digits := p
	var v int64
	for ; p < len(rec) && p-digits < 18; p++ {
		d := rec[p] - '0'
		if d > 9 {
			break
		}
		v = v*10 + int64(d)
	}
	if p-digits == 18 {
		return numberChecked(rec, start, end)
	}
	if p == digits || p >= len(rec) || rec[p] != end {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, p + 1, true
}

// numberChecked is number with a check for overflow at every digit.
func numberChecked(rec string, p int, end byte) (int64, int, bool) {
	neg := p < len(rec) && rec[p] == '-'
	if neg {
		p++
	}
	start := p
	var v int64
	for ; p < len(rec); p++ {
		c := rec[p]
		if c < '0' || c > '9' {
			break
		}
		d := int64(c - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, 0, false
		}
		v = v*10 + d
	}
	if p == start || p >= len(rec) || rec[p] != end {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, p + 1, true
}

// byRank sorts the impressions [lo, hi) of a session by rank, moving every
// column.
type byRank struct {
	s      *SessionImpressions
	lo, hi int
}

func (b byRank) Len() int           { return b.hi - b.lo }
func (b byRank) Less(i, j int) bool { return b.s.Rank[b.lo+i] < b.s.Rank[b.lo+j] }
func (b byRank) Swap(i, j int) {
	s, i, j := b.s, b.lo+i, b.lo+j
	s.Surface[i], s.Surface[j] = s.Surface[j], s.Surface[i]
	s.Rank[i], s.Rank[j] = s.Rank[j], s.Rank[i]
	s.SeenAt[i], s.SeenAt[j] = s.SeenAt[j], s.SeenAt[i]
	s.ItemID[i], s.ItemID[j] = s.ItemID[j], s.ItemID[i]
	s.Topic[i], s.Topic[j] = s.Topic[j], s.Topic[i]
	s.Title[i], s.Title[j] = s.Title[j], s.Title[i]
}

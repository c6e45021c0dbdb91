package analysis

import "math"

// pairScratch computes the list metrics of pairs of lists of item codes
// (small non-negative integers, the same item the same code) and keeps its
// buffers from pair to pair: the audit compares thousands of 500-item
// lists, and maps or a fresh O(n·m) matrix per pair cost more than the
// metrics themselves. Sets are marked with generation stamps, so starting a
// new set is an increment, not a clear. The zero value is ready after reset;
// a pairScratch is not safe for concurrent use.
type pairScratch struct {
	gen    uint32
	stampA []uint32 // stampA[c] == gen: c is in the first set
	stampB []uint32 // stampB[c] == gen: c is in the second set
	val    []int32  // per code: a position in b (Kendall), or the last row of a (Damerau–Levenshtein)
	first  []int32  // per code: its first column in b (Damerau–Levenshtein)
	order  []int32
	rows   []int32 // Damerau–Levenshtein rows
	slot   []int32
}

// reset makes room for codes 0..size-1.
func (s *pairScratch) reset(size int) {
	if len(s.stampA) < size {
		s.stampA = make([]uint32, size)
		s.stampB = make([]uint32, size)
		s.val = make([]int32, size)
		s.first = make([]int32, size)
		s.gen = 0
	}
}

// next starts new sets.
func (s *pairScratch) next() uint32 {
	s.gen++
	if s.gen == 0 { // wrapped: old stamps could match again
		clear(s.stampA)
		clear(s.stampB)
		s.gen = 1
	}
	return s.gen
}

// distinct is the number of distinct codes in a.
func (s *pairScratch) distinct(a []int32) int {
	g := s.next()
	n := 0
	for _, x := range a {
		if s.stampA[x] != g {
			s.stampA[x] = g
			n++
		}
	}
	return n
}

// jaccard is Jaccard(a, b).
func (s *pairScratch) jaccard(a, b []int32) float64 {
	g := s.next()
	na, nb, inter := 0, 0, 0
	for _, x := range a {
		if s.stampA[x] != g {
			s.stampA[x] = g
			na++
		}
	}
	for _, x := range b {
		if s.stampB[x] != g {
			s.stampB[x] = g
			nb++
			if s.stampA[x] == g {
				inter++
			}
		}
	}
	union := na + nb - inter
	if union == 0 {
		return math.NaN()
	}
	return float64(inter) / float64(union)
}

// kendallTau is KendallTau(a, b).
func (s *pairScratch) kendallTau(a, b []int32) float64 {
	g := s.next()
	for i, x := range b {
		if s.stampB[x] != g {
			s.stampB[x] = g
			s.val[x] = int32(i)
		}
	}
	order := s.order[:0]
	for _, x := range a {
		if s.stampA[x] == g {
			continue
		}
		s.stampA[x] = g
		if s.stampB[x] == g {
			order = append(order, s.val[x])
		}
	}
	s.order = order
	n := len(order)
	if n < 2 {
		return math.NaN()
	}
	score := 0
	for i, oi := range order {
		for _, oj := range order[i+1:] {
			if oi < oj {
				score++
			} else {
				score--
			}
		}
	}
	return float64(score) / float64(n*(n-1)/2)
}

// rbo is RBO(a, b, p).
func (s *pairScratch) rbo(a, b []int32, p float64) float64 {
	if !(p > 0 && p < 1) || (len(a) == 0 && len(b) == 0) {
		return math.NaN()
	}
	short, long := a, b
	if len(short) > len(long) {
		short, long = long, short
	}
	sl, l := len(short), len(long)
	if sl == 0 {
		return 0
	}
	g := s.next()
	inS, inL := s.stampA, s.stampB
	x, xs := 0, 0
	sum := 0.0
	pd := 1.0
	for d := 1; d <= l; d++ {
		pd *= p
		if d <= sl {
			if it := short[d-1]; inS[it] != g {
				inS[it] = g
				if inL[it] == g {
					x++
				}
			}
		}
		if it := long[d-1]; inL[it] != g {
			inL[it] = g
			if inS[it] == g {
				x++
			}
		}
		if d == sl {
			xs = x
		}
		fd := float64(d)
		sum += float64(x) / fd * pd
		if d > sl {
			sum += float64(xs) * (fd - float64(sl)) / (float64(sl) * fd) * pd
		}
	}
	tail := (float64(x-xs)/float64(l) + float64(xs)/float64(sl)) * pd
	return (1-p)/p*sum + tail
}

// damerauLevenshtein is the unrestricted Damerau–Levenshtein distance of
// Lowrance and Wagner (see DamerauLevenshtein). With D[i][j] the distance
// between a[:i] and b[:j]:
//
//	D[i][j] = min(D[i-1][j-1] + [a_i ≠ b_j], D[i][j-1] + 1, D[i-1][j] + 1,
//	              D[k-1][l-1] + (i-k-1) + 1 + (j-l-1))
//
// where k is the last row before i with a_k = b_j and l the last column
// before j with b_l = a_i (the transposition; absent when either is 0).
// Three facts make it cheap when the lists share few items:
//   - a row whose item is not in b (a "plain" row) has no match and no
//     transposition (l is always 0), and there D[i][j-1] + 1 never wins:
//     D[i][j-1] = 1 + min(D[i-1][j-2], D[i-1][j-1]) by induction on j,
//     and D[i-1][j-2] >= D[i-1][j-1] - 1, so D[i][j-1] >= D[i-1][j-1].
//     A plain row is D[i][j] = 1 + min(D[i-1][j-1], D[i-1][j]), with no
//     dependency along the row, computed in place from right to left;
//   - a transposition reads only rows D[k-1] where a_k is in b: those rows
//     are kept, every other row is overwritten, so memory is O((r+2)·m)
//     for the r rows of a whose item is in b, not O(n·m);
//     The same holds in a row whose item is in b up to the first column
//     where b_j = a_i;
//   - with no item in common (r = 0) the distance is max(n, m).
func (s *pairScratch) damerauLevenshtein(a, b []int32) int {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return n + m
	}
	g := s.next()
	for j, y := range b {
		if s.stampB[y] != g {
			s.stampB[y] = g
			s.first[y] = int32(j + 1)
		}
	}
	r := 0
	for _, x := range a {
		if s.stampB[x] == g {
			r++
		}
	}
	if r == 0 {
		return max(n, m)
	}
	w := m + 1
	size := (r + 1) * w
	if cap(s.rows) < size {
		s.rows = make([]int32, size)
	}
	rows := s.rows[:size]
	if cap(s.slot) < n+1 {
		s.slot = make([]int32, n+1)
	}
	slot := s.slot[:n+1] // slot[k]: where D[k-1] is kept, for each row k whose item is in b
	// cur holds the last row computed; a row that must be kept stays
	// where it is and the next one goes to the next free place.
	co := 0
	cur := rows[co : co+w]
	for j := range cur {
		cur[j] = int32(j)
	}
	for i := 1; i <= n; i++ {
		x := a[i-1]
		if s.stampB[x] != g {
			for j := len(cur) - 1; j > 0; j-- {
				cur[j] = min(cur[j-1], cur[j]) + 1
			}
			cur[0]++
			continue
		}
		slot[i] = int32(co)
		prev := cur
		co += w
		cur = rows[co : co+w]
		cur[0] = int32(i)
		prev = prev[:len(cur)]
		// Up to the first column where b_j = a_i the row is plain.
		j0 := int(s.first[x])
		for j := 1; j < j0; j++ {
			cur[j] = min(prev[j-1], prev[j]) + 1
		}
		l := 0 // the last column so far in this row with b_l = a_i
		left := cur[j0-1]
		for j := j0; j < len(cur); j++ {
			y := b[j-1]
			v := min(prev[j], left) + 1
			if x == y {
				v = min(v, prev[j-1])
				l = j
			} else {
				v = min(v, prev[j-1]+1)
				if l > 0 && s.stampA[y] == g {
					k := int(s.val[y])
					v = min(v, rows[int(slot[k])+l-1]+int32(i-k-1+1+j-l-1))
				}
			}
			cur[j] = v
			left = v
		}
		s.stampA[x] = g
		s.val[x] = int32(i)
	}
	return int(cur[m])
}

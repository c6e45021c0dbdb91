package analysis

import (
	"math"
	"math/bits"
)

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
	val    []int32  // per code: a position in b (Kendall), or its last row in a so far (Damerau–Levenshtein)
	first  []int32  // per code: its first column in b (Damerau–Levenshtein)
	keep   []int32  // per code: where its row before its last row in a is kept (Damerau–Levenshtein)
	order  []int32

	// Damerau–Levenshtein: the next column with the same item, the
	// current rows as bits, and the kept rows (see damerauLevenshtein).
	later        []int32
	vec          []uint64
	keptP, keptN []uint64
	keptAt       []int32
}

// reset makes room for codes 0..size-1.
func (s *pairScratch) reset(size int) {
	if len(s.stampA) < size {
		s.stampA = make([]uint32, size)
		s.stampB = make([]uint32, size)
		s.val = make([]int32, size)
		s.first = make([]int32, size)
		s.keep = make([]int32, size)
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
// between a[:i] and b[:j] (D[i][0] = i, D[0][j] = j) and a_i = a[i-1],
// b_j = b[j-1]:
//
//	D[i][j] = min(D[i-1][j-1] + [a_i ≠ b_j], D[i][j-1] + 1, D[i-1][j] + 1, T)
//	T       = D[k-1][l-1] + (i-k-1) + 1 + (j-l-1)
//
// where k is the last row before i with a_k = b_j and l the last column
// before j with b_l = a_i (no T when either is 0). It computes this D
// exactly, 64 cells of a row per machine word, from three facts.
//
// T matters only next to a match, and then as a free diagonal. Each of
// D[i][j] ≤ D[i-1][j-1] + 1, D[i-1][j] + 1, D[i][j-1] + 1 holds, so step
// by step D[i'][j'] ≤ D[p][q] + max(i'-p, j'-q) for p ≤ i', q ≤ j'. With
// p, q = k-1, l-1 and i', j' = i-1, j-1:
//
//	T ≥ D[i-1][j-1] - max(i-k, j-l) + (i-k) + (j-l) - 1
//	  = D[i-1][j-1] + min(i-k, j-l) - 1 ≥ D[i-1][j-1].
//
// So T is below the diagonal term D[i-1][j-1] + 1, the only way it can
// change the minimum, only when k = i-1 or l = j-1, and then it equals
// D[i-1][j-1]; at a match the diagonal term is D[i-1][j-1] already. D is
// therefore the Levenshtein recurrence
//
//	D[i][j] = min(D[i-1][j-1] + 1 - E[i][j], D[i][j-1] + 1, D[i-1][j] + 1)
//
// with E[i][j] = 1 where a_i = b_j, or where T exists with k = i-1 or
// l = j-1 and T = D[i-1][j-1]. Row i of E depends only on rows before i,
// and its transposition cells are few: the column after each b_l = a_i
// (l = j-1), and the columns with b_j = a_{i-1} (k = i-1).
//
// A Levenshtein row follows from the row before by Myers' bit-vector
// algorithm (Myers 1999; Hyyrö 2002 for the distance between whole
// strings). Adjacent cells of a row differ by -1, 0 or +1, so a row is two
// bit sets P and N, bit j-1 set where D[i][j] - D[i][j-1] is +1 or -1, and
// the next row takes about 20 word operations per 64 columns: the carries
// of an addition and of shifts carry the dependency along the row, and
// only upwards, so the bits above column m in the last word, which are
// not cleared, never reach a column of b. A row whose item is not in b (a
// "plain" row) has no match and no transposition (l is always 0), so E = 0
// and the step reduces to P' = (P<<1) &^ N, N' = N &^ (P<<1).
//
// The tests T = D[i-1][j-1] read only rows D[k-1] before rows k whose item
// is in b (D[i-1] too: row i has a transposition cell only if its item is
// in b). Before such a row k, D[k-1] is copied to a place kept for its item
// (a later row with the same item replaces it: T wants the last one), with
// D at the start of each word, so D[k-1][c] is a look-up and two popcounts.
// Memory is O(d·m/64)
// words for the d items of a that are in b, and time O(n·m/64) word
// operations plus O(1) for each pair of a row i and a column j with
// b_j = a_i or b_j = a_{i-1}. With no item in common the distance is
// max(n, m).
func (s *pairScratch) damerauLevenshtein(a, b []int32) int {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return n + m
	}
	g := s.next()
	if cap(s.later) < m+1 {
		s.later = make([]int32, m+1)
	}
	later := s.later[:m+1] // later[j]: the next column after j with item b_j, 0 for none
	for j := m; j >= 1; j-- {
		y := b[j-1]
		if s.stampB[y] != g {
			s.stampB[y] = g
			s.val[y] = 0
			later[j] = 0
		} else {
			later[j] = s.first[y]
		}
		s.first[y] = int32(j)
	}
	kept := 0
	for _, x := range a {
		if s.stampB[x] == g && s.stampA[x] != g {
			s.stampA[x] = g
			s.keep[x] = int32(kept)
			kept++
		}
	}
	if kept == 0 {
		return max(n, m)
	}
	nw := (m + 63) >> 6
	if cap(s.vec) < 3*nw {
		s.vec = make([]uint64, 3*nw)
	}
	vec := s.vec[:3*nw]
	p, q, e := vec[:nw], vec[nw:2*nw], vec[2*nw:] // P and N of the last row; E of the next
	for w := range p {
		p[w], q[w] = ^uint64(0), 0 // D[0][j] = j
	}
	if size := kept * nw; cap(s.keptP) < size {
		s.keptP = make([]uint64, size)
		s.keptN = make([]uint64, size)
		s.keptAt = make([]int32, size)
	}
	kp, kn, kat := s.keptP[:kept*nw], s.keptN[:kept*nw], s.keptAt[:kept*nw]
	// at is D[k-1][c] for the item kept at o (k its last row so far).
	at := func(o, c int) int {
		o = o*nw + c>>6
		mask := uint64(1)<<(c&63) - 1
		return int(kat[o]) + bits.OnesCount64(kp[o]&mask) - bits.OnesCount64(kn[o]&mask)
	}
	last := int32(-1) // a_{i-1} when it is in b
	for i := 1; i <= n; i++ {
		x := a[i-1]
		if s.stampB[x] != g { // a plain row: E = 0
			var c uint64
			q := q[:len(p)]
			for w, pw := range p {
				ps := pw<<1 | c
				c = pw >> 63
				p[w], q[w] = ps&^q[w], q[w]&^ps
			}
			last = -1
			continue
		}
		// Keep D[i-1] for x, then find E's row i: its matches, and the
		// transpositions with T = D[i-1][j-1] (D[i-1] is now kept at o).
		o := int(s.keep[x])
		op, on, oat := kp[o*nw:(o+1)*nw], kn[o*nw:(o+1)*nw], kat[o*nw:(o+1)*nw]
		op, on, oat, q, e := op[:len(p)], on[:len(p)], oat[:len(p)], q[:len(p)], e[:len(p)]
		d := int32(i - 1)
		for w, pw := range p {
			qw := q[w]
			op[w], on[w], oat[w], e[w] = pw, qw, d, 0 // oat[w] = D[i-1][64w]
			d += int32(bits.OnesCount64(pw) - bits.OnesCount64(qw))
		}
		for l := int(s.first[x]); l != 0; l = int(later[l]) {
			e[(l-1)>>6] |= 1 << ((l - 1) & 63)
			j := l + 1 // l = j-1: T = D[k-1][j-2] + i-k
			if j > m {
				break
			}
			y := b[j-1]
			if k := int(s.val[y]); y != x && k > 0 && at(int(s.keep[y]), j-2)+i-k == at(o, j-1) {
				e[(j-1)>>6] |= 1 << ((j - 1) & 63)
			}
		}
		if last >= 0 && last != x { // k = i-1 where b_j = a_{i-1}: T = D[i-2][l-1] + j-l
			l, next := 0, int(s.first[x])
			for j := int(s.first[last]); j != 0; j = int(later[j]) {
				for next != 0 && next < j {
					l, next = next, int(later[next])
				}
				if l > 0 && at(int(s.keep[last]), l-1)+j-l == at(o, j-1) {
					e[(j-1)>>6] |= 1 << ((j - 1) & 63)
				}
			}
		}
		s.val[x] = int32(i)
		last = x
		// The Levenshtein step: D[i] from D[i-1] and E's row i. In Hyyrö's
		// names, vp and vn are P and N (his vertical runs along b), and hp
		// and hn the cells where D[i][j] - D[i-1][j] is +1 and -1; the word
		// carries are the addition's and the top bits of hp and hn.
		var add, hpc, hnc uint64 = 0, 1, 0 // D[i][0] - D[i-1][0] = 1
		for w, vp := range p {
			eq, vn := e[w], q[w]
			xv := eq | vn
			sum, carry := bits.Add64(eq&vp, vp, add)
			add = carry
			xh := (sum ^ vp) | eq
			hp := vn | ^(xh | vp)
			hn := vp & xh
			hps, hns := hp<<1|hpc, hn<<1|hnc
			hpc, hnc = hp>>63, hn>>63
			p[w], q[w] = hns|^(xv|hps), hps&xv
		}
	}
	d := n
	for w := range p {
		mask := ^uint64(0)
		if w == nw-1 && m&63 != 0 {
			mask = uint64(1)<<(m&63) - 1
		}
		d += bits.OnesCount64(p[w]&mask) - bits.OnesCount64(q[w]&mask)
	}
	return d
}

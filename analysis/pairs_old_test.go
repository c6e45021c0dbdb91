package analysis

// oldDLScratch and its damerauLevenshtein are the row-by-row implementation
// that pairScratch.damerauLevenshtein replaced (one int32 cell at a time,
// the rows of a whose item is in b kept whole for transpositions), kept as
// a second reference and for side-by-side benchmarks.
type oldDLScratch struct {
	gen    uint32
	stampA []uint32
	stampB []uint32
	val    []int32
	first  []int32
	rows   []int32
	slot   []int32
}

func (s *oldDLScratch) reset(size int) {
	if len(s.stampA) < size {
		s.stampA = make([]uint32, size)
		s.stampB = make([]uint32, size)
		s.val = make([]int32, size)
		s.first = make([]int32, size)
		s.gen = 0
	}
}

func (s *oldDLScratch) next() uint32 {
	s.gen++
	if s.gen == 0 {
		clear(s.stampA)
		clear(s.stampB)
		s.gen = 1
	}
	return s.gen
}

// oldDamerauLevenshtein is the distance as oldDLScratch computes it.
func oldDamerauLevenshtein(s *oldDLScratch, a, b []int32) int {
	return s.damerauLevenshtein(a, b)
}

func (s *oldDLScratch) damerauLevenshtein(a, b []int32) int {
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

package help

import "strings"

// Nearest returns the name closest to the mistyped word, at an edit
// distance of at most a third of its length (rounded, at least 1), or a
// name it is a prefix of; "" when none is that close.
func Nearest(word string, names []string) string {
	best, bestD := "", 0
	w := strings.ToLower(word)
	for _, n := range names {
		d := editDistance(w, n)
		if len(w) >= 3 && strings.HasPrefix(n, w) {
			d = min(d, 1)
		}
		if best == "" || d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" || bestD > max(1, (len(w)+1)/3) {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b, by
// bytes: insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

package analysis

import "math"

// nan is the want value of a case whose result is undefined.
var nan = math.NaN()

// approx reports whether got equals want within 1e-9 (absolute or relative),
// treating two NaNs as equal.
func approx(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-9*max(1, math.Abs(want))
}

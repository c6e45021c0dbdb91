package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// reflectedSessionAuditJSON is SessionAudit's MarshalJSON as it was, through
// reflection: the reference the hand-written one must equal.
func reflectedSessionAuditJSON(s SessionAudit) ([]byte, error) {
	type plain SessionAudit
	b, err := json.Marshal(plain(s))
	if err != nil {
		return nil, err
	}
	v, err := json.Marshal(s.SERPMS)
	if err != nil {
		return nil, err
	}
	b = append(b[:len(b)-1], ',')
	b = strconv.AppendQuote(b, SERPMSName(s.SERPMSDepth))
	b = append(append(b, ':'), v...)
	b = append(b, `,"first_harm_rank":`...)
	if s.FirstHarmCensored || s.FirstHarmRank <= 0 {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(s.FirstHarmRank), 10)
	}
	return append(b, '}'), nil
}

func TestSessionAuditJSONAsReflection(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-7, 1e21, -3.5e-300, 123456789.123, math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64}
	num := func() Num {
		if r.IntN(3) == 0 {
			return Num(nums[r.IntN(len(nums))])
		}
		return Num(r.NormFloat64() * math.Pow(10, float64(r.IntN(30)-15)))
	}
	strs := []string{"", "phase-1", "<script>&", "\u2028\u2029", "\xff\xfe bad", "quote \" and \\ back", "中文", "tab\there\n", "\x00\x1f"}
	for i := range 5000 {
		s := SessionAudit{
			Session: r.IntN(100) - 1, Phase: strs[r.IntN(len(strs))], N: r.IntN(1000), Reference: strs[r.IntN(len(strs))],
			Entropy: num(), Evenness: num(), GiniSimpson: num(), GiniSimpsonUnbiased: num(), Gini: num(), ILD: num(),
			Coverage: num(), InterestShare: num(), ReferenceShare: num(), HarmfulPer100: num(), Harmful: r.IntN(50) - 2,
			FirstHarmRank: r.IntN(20) - 2, FirstHarmSeconds: num(), FirstHarmCensored: r.IntN(2) == 0, MeanLabelScore: num(),
			SERPMS: num(), SERPMSDepth: r.IntN(30) - 1, DriftFirst: num(), DriftControl: num(),
		}
		got, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want, err := reflectedSessionAuditJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d: MarshalJSON =\n%s\nwant (through reflection)\n%s", i, got, want)
		}
	}
}

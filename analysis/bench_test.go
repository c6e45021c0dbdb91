package analysis

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// benchInput is 1M impressions: 100 test and 100 control personas, 20
// sessions of 250 items each.
func benchInput(b *testing.B) Input {
	b.Helper()
	in := syntheticInput(100, 20, 250, 1)
	if len(in.Impressions) != 1_000_000 {
		b.Fatalf("len(Impressions) = %d, want 1000000", len(in.Impressions))
	}
	return in
}

// BenchmarkSummarize summarises 1M impressions held in memory, bootstrap
// intervals included.
func BenchmarkSummarize(b *testing.B) {
	in := benchInput(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Summarize(in, newRand(2))
	}
	b.ReportMetric(float64(len(in.Impressions))*float64(b.N)/b.Elapsed().Seconds(), "impressions/s")
}

// BenchmarkAccumulatorAdd measures Add alone, one impression per op.
func BenchmarkAccumulatorAdd(b *testing.B) {
	in := benchInput(b)
	acc := NewAccumulator(in.Personas, in.Topics)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		acc.Add(in.Impressions[i])
		if i++; i == len(in.Impressions) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "impressions/s")
}

// BenchmarkAccumulatorStream10M streams 10M generated impressions (1000
// personas, 20 sessions of 500 items) through an Accumulator without ever
// holding them, then summarises; it reports the live heap at the end.
func BenchmarkAccumulatorStream10M(b *testing.B) {
	personas := syntheticPersonas(500)
	const total = 10_000_000
	b.ReportAllocs()
	for b.Loop() {
		acc := NewAccumulator(personas, syntheticTopics)
		for imp := range synthetic(personas, 20, 500, 3) {
			acc.Add(imp)
		}
		s := acc.Summary(newRand(4))
		if s.Impressions != total {
			b.Fatalf("Impressions = %d, want %d", s.Impressions, total)
		}
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap_MiB")
		runtime.KeepAlive(acc)
	}
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "impressions/s")
}

// BenchmarkBootstrapMeanCI: a persona-level interval as the audit draws
// hundreds of them (500 personas, DefaultResamples).
func BenchmarkBootstrapMeanCI(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	values := make([]float64, 500)
	for i := range values {
		values[i] = r.Float64()
	}
	for b.Loop() {
		BootstrapMeanCI(values, DefaultResamples, DefaultLevel, r)
	}
}

// auditBenchInput is a campaign of 500 test personas, each with a twin
// control, over 20 sessions of perSession items: the shape of the 10M
// impression audit with short sessions, so that the resampling, which
// depends on personas and sessions rather than items, dominates.
func auditBenchInput(perSession int) AuditInput {
	r := rand.New(rand.NewPCG(5, 6))
	topics := []string{"cooking", "sports", "news", "music", "gambling"}
	ages := []string{"minor", "adult"}
	var in AuditInput
	in.Topics = topics
	for i := range 500 {
		age := ages[i%2]
		test := fmt.Sprintf("test-%03d", i)
		ref := topics[i%4]
		in.Personas = append(in.Personas,
			AuditPersona{Name: test, Role: RoleTestName, Interests: map[string]float64{ref: 1}, Traits: map[string]string{"age_group": age}},
			AuditPersona{Name: fmt.Sprintf("control-%03d", i), Role: "control", TwinOf: test, Traits: map[string]string{"age_group": age}})
	}
	for _, p := range in.Personas {
		for s := 1; s <= 20; s++ {
			for rank := 1; rank <= perSession; rank++ {
				topic := topics[r.IntN(len(topics))]
				score := 0
				if topic == "gambling" {
					score = 1
				}
				in.Impressions = append(in.Impressions, AuditImpression{Persona: p.Name, Session: s, Rank: rank,
					ItemID: fmt.Sprintf("%s-%d", topic, r.IntN(200)), Topic: topic, Seconds: float64(rank), Score: score})
			}
		}
	}
	return in
}

// BenchmarkAnalyzeResampling: Analyze over 1000 personas and 20 sessions
// of 10 items, where the bootstrap intervals and permutation tests are
// most of the work.
func BenchmarkAnalyzeResampling(b *testing.B) {
	in := auditBenchInput(10)
	for b.Loop() {
		Analyze(in, AuditOptions{}, rand.New(rand.NewPCG(7, 8)))
	}
}

package main

import (
	"math"

	"github.com/spf13/pflag"

	"github.com/feedprobe/feedprobe/storage"
)

// conventionFlags adds the metric settings analyze, findings and report
// take (--taxonomy-size, --catalogue-size, --serp-depth, --rbo-depth,
// --rbo-p) and returns a function that checks them after parsing; each
// flag given overrides the campaign's analysis: block, one not given
// keeps it.
func conventionFlags(fs *pflag.FlagSet) func() (storage.Conventions, error) {
	taxonomy := fs.Int("taxonomy-size", 0, "K, the topics of the taxonomy evenness divides ln K by (default: the analysis: block, else the topics seen)")
	catalogue := fs.Int("catalogue-size", 0, "items in the platform's catalogue, for coverage and the exposure Gini over it (default: the analysis: block, else unknown)")
	serp := fs.Int("serp-depth", 0, "depth n of SERP-MS, named serp_ms_N (default: the analysis: block, else 10)")
	rboDepth := fs.Int("rbo-depth", 0, "cut both lists to this depth before RBO (default: the analysis: block, else whole lists)")
	rboP := fs.Float64("rbo-p", 0, "RBO's persistence p in (0, 1) (default: the analysis: block, else 0.9)")
	return func() (storage.Conventions, error) {
		for _, x := range []struct {
			name string
			v    int
		}{{"taxonomy-size", *taxonomy}, {"catalogue-size", *catalogue}, {"serp-depth", *serp}, {"rbo-depth", *rboDepth}} {
			if x.v < 0 || fs.Changed(x.name) && x.v == 0 {
				return storage.Conventions{}, flagError("--%s %d: want a positive number", x.name, x.v)
			}
		}
		if fs.Changed("rbo-p") && !(*rboP > 0 && *rboP < 1) || math.IsNaN(*rboP) {
			return storage.Conventions{}, flagError("--rbo-p %g: want a number between 0 and 1, both excluded", *rboP)
		}
		return storage.Conventions{TaxonomySize: *taxonomy, Catalogue: *catalogue, SERPMSDepth: *serp, RBODepth: *rboDepth, RBOP: *rboP}, nil
	}
}

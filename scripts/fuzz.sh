#!/usr/bin/env bash
# fuzz.sh runs every Go fuzz target of the project for a set time each
# (default 30s; FUZZTIME=2m scripts/fuzz.sh for longer). make test runs only
# their seed corpora; this looks for new inputs. Failing inputs are saved
# under the package's testdata/fuzz/ by go test, ready to commit as seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-30s}"
status=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $target ($fuzztime)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
			status=1
		fi
	done
done
exit $status

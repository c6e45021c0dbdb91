#!/usr/bin/env bash
# run.sh measures feedprobe against its baselines, side by side in one run,
# and writes the Go benchmark output to results.txt here (or $1):
#   memory   peak PSS of the Chromium tree, 16 personas: browser contexts
#            vs one Chromium per persona              (target: <= 1/3)
#   capture  items/s, 1 and 8 personas on simfeed: feedprobe run vs a bare
#            chromedp scroll-and-extract loop          (target: >= 80 %)
#   capture mode  items/s, 1 and 4 personas on simfeed: the simfeed-capture
#            adapter vs the DOM-only simfeed adapter (target: >= 80 %)
#   ingest   impressions/s: storage.SaveImpressions vs bare go-sqlite3 loops
#            into the same schema (target: >= 0.8 of the bare loop)
#   process  Chromium's process-model flags with 8 browser contexts
#   analysis feedprobe analyze vs DuckDB and polars (from the Parquet export)
#            and pandas + scipy over 10M synthetic impressions (target: no
#            slower than the faster of DuckDB and polars, <= 1 GiB)
# Every comparison runs its sides in turn, at least three rounds
# (FEEDPROBE_BENCH_ROUNDS for more), and logs each figure with the load
# average; each part's output starts with the load average too.
# It installs Debian's python3-pandas and python3-scipy when missing (as
# root, or with sudo), and DuckDB and polars from npm into
# scripts/bench/node_modules (npm ci, from the lock file here; never a
# dependency of feedprobe). FEEDPROBE_BENCH_DIR keeps the 10M data set
# (about 2 GiB with its stored records) and its Parquet export between runs;
# FEEDPROBE_BENCH_ONLY=Capture|CaptureMode|Memory|Process|Analyze|Ingest runs one part.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-scripts/bench/results.txt}
py=/usr/bin/python3

if ! "$py" -c 'import pandas, scipy' 2>/dev/null; then
	echo "bench: installing python3-pandas python3-scipy" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y python3-pandas python3-scipy >/dev/null 2>&1 ||
		{ $sudo apt-get update >/dev/null && $sudo apt-get install -y python3-pandas python3-scipy >/dev/null; }
	"$py" -c 'import pandas, scipy'
fi
if ! (cd scripts/bench && node -e 'require("@duckdb/node-api"); require("nodejs-polars")') 2>/dev/null; then
	echo "bench: installing DuckDB and polars from npm into scripts/bench/node_modules" >&2
	command -v npm >/dev/null || {
		sudo=""
		[ "$(id -u)" -eq 0 ] || sudo=sudo
		$sudo apt-get install -y nodejs npm >/dev/null
	}
	(cd scripts/bench && npm ci --no-audit --no-fund >/dev/null)
fi
bash scripts/setup.sh
export CGO_ENABLED=1 FEEDPROBE_BENCH=1 FEEDPROBE_PYTHON=$py
export FEEDPROBE_BENCH_DIR=${FEEDPROBE_BENCH_DIR:-${TMPDIR:-/tmp}/feedprobe-bench}
mkdir -p "$FEEDPROBE_BENCH_DIR"
go build -o "$FEEDPROBE_BENCH_DIR/feedprobe" ./cmd/feedprobe
export FEEDPROBE_BIN=$FEEDPROBE_BENCH_DIR/feedprobe

only=${FEEDPROBE_BENCH_ONLY:-}
load() { echo "# load average $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%SZ): $1"; }
{
	echo "# feedprobe benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
	echo "# $(go version); $(chromium --version 2>/dev/null || true); python $("$py" -c 'import sys, pandas, scipy; print(sys.version.split()[0], "pandas", pandas.__version__, "scipy", scipy.__version__)')"
	echo "# node $(node --version); $(cd scripts/bench && node -e 'console.log("duckdb", require("@duckdb/node-api/package.json").version, "polars", require("nodejs-polars/package.json").version)')"
	if [ -z "$only" ] || [ "$only" = Ingest ]; then
		load ingest
		go test ./storage -run '^$' -bench 'IngestVsBare' -benchtime 1x -timeout 20m -v
	fi
	if [ -z "$only" ] || [ "$only" = Capture ]; then
		load capture
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleCapture$' -benchtime 1x -timeout 30m -v
	fi
	if [ -z "$only" ] || [ "$only" = CaptureMode ]; then
		load "capture mode"
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleCaptureMode' -benchtime 1x -timeout 30m -v
	fi
	if [ -z "$only" ] || [ "$only" = Memory ]; then
		load memory
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleMemory16' -benchtime 1x -timeout 30m -v
	fi
	if [ -z "$only" ] || [ "$only" = Process ]; then
		load process
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleProcessModel' -benchtime 1x -timeout 30m -v
	fi
	if [ -z "$only" ] || [ "$only" = Analyze ]; then
		load analysis
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleAnalyze10M' -benchtime 1x -timeout 60m -v
	fi
	load end
} 2>&1 | tee "$out"

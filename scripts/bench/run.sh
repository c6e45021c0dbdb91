#!/usr/bin/env bash
# run.sh measures feedprobe against its baselines, side by side in one run,
# and writes the Go benchmark output to results.txt here (or $1):
#   memory   peak PSS of the Chromium tree, 16 personas: browser contexts
#            vs one Chromium per persona              (target: <= 1/3)
#   capture  items/s, 1 and 8 personas on simfeed: feedprobe run vs a bare
#            chromedp scroll-and-extract loop          (target: >= 80 %)
#   capture mode  items/s, 1 and 4 personas on simfeed: the simfeed-capture
#            adapter (responses read through the DevTools protocol) vs the
#            DOM-only simfeed adapter, with the load average (target: >= 80 %)
#   ingest   impressions/s into SQLite through storage (target: >= 200,000)
#   analysis feedprobe analyze vs analyze_pandas.py (pandas + scipy) over
#            10M synthetic impressions (target: >= 5x faster, <= 1 GiB)
# It installs Debian's python3-pandas and python3-scipy when missing (as
# root, or with sudo). FEEDPROBE_BENCH_DIR keeps the 10M data set (about
# 1.3 GiB) between runs; FEEDPROBE_BENCH_ONLY=Capture|CaptureMode|Memory|Analyze|Ingest
# runs one part.
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
bash scripts/setup.sh
export CGO_ENABLED=1 FEEDPROBE_BENCH=1 FEEDPROBE_PYTHON=$py
export FEEDPROBE_BENCH_DIR=${FEEDPROBE_BENCH_DIR:-${TMPDIR:-/tmp}/feedprobe-bench}
mkdir -p "$FEEDPROBE_BENCH_DIR"
go build -o "$FEEDPROBE_BENCH_DIR/feedprobe" ./cmd/feedprobe
export FEEDPROBE_BIN=$FEEDPROBE_BENCH_DIR/feedprobe

only=${FEEDPROBE_BENCH_ONLY:-}
{
	echo "# feedprobe benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
	echo "# $(go version); $(chromium --version 2>/dev/null || true); python $("$py" -c 'import sys, pandas, scipy; print(sys.version.split()[0], "pandas", pandas.__version__, "scipy", scipy.__version__)')"
	if [ -z "$only" ] || [ "$only" = Ingest ]; then
		go test ./storage -run '^$' -bench 'SaveImpressions' -benchtime 3s -count 3
	fi
	if [ -z "$only" ] || [ "$only" = Capture ]; then
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleCapture$' -benchtime 1x -timeout 30m
	fi
	if [ -z "$only" ] || [ "$only" = CaptureMode ]; then
		echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleCaptureMode' -benchtime 1x -timeout 30m
	fi
	if [ -z "$only" ] || [ "$only" = Memory ]; then
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleMemory16' -benchtime 1x -timeout 30m
	fi
	if [ -z "$only" ] || [ "$only" = Analyze ]; then
		go test ./cmd/feedprobe -run '^$' -bench 'ScaleAnalyze10M' -benchtime 1x -timeout 60m -v
	fi
} 2>&1 | tee "$out"

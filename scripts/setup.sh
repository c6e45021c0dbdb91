#!/usr/bin/env bash
# setup.sh installs what feedprobe needs to build and to drive a browser, and
# nothing that is already there. Safe to run any number of times.
#
#   FEEDPROBE_CHROME=/path/to/chrome   use this browser; install nothing
#
# It installs Debian's chromium when no browser is found, and a font with
# Chinese glyphs (fonts-wqy-zenhei) when none is installed, so evidence
# screenshots of Chinese platforms and PDF reports are readable, and
# poppler-utils (pdftotext) when missing, which the report's PDF test reads
# the Chinese text back with.
#   FEEDPROBE_SKIP_BROWSER=1           do not install a browser (unit tests only)
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

find_browser() {
	if [ -n "${FEEDPROBE_CHROME:-}" ]; then
		if [ -x "$FEEDPROBE_CHROME" ]; then
			echo "$FEEDPROBE_CHROME"
			return 0
		fi
		log "FEEDPROBE_CHROME=$FEEDPROBE_CHROME is not an executable file"
		return 2
	fi
	for b in chromium chromium-browser google-chrome google-chrome-stable headless-shell; do
		if command -v "$b" >/dev/null 2>&1; then
			command -v "$b"
			return 0
		fi
	done
	return 1
}

need_cmd() {
	command -v "$1" >/dev/null 2>&1 || { log "missing $1: $2"; exit 1; }
}

need_cmd go "install Go 1.26 or newer (https://go.dev/dl)"
need_cmd gcc "install gcc: go-sqlite3 needs cgo (apt-get install gcc)"

if [ "${FEEDPROBE_SKIP_BROWSER:-}" = 1 ]; then
	log "FEEDPROBE_SKIP_BROWSER=1: not looking for a browser"
	exit 0
fi

# have_cjk_font reports whether a font with Chinese glyphs is installed:
# without one, evidence screenshots of Chinese titles show empty boxes.
have_cjk_font() {
	command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ]
}

# have_pdftotext reports whether pdftotext (poppler-utils) is installed.
have_pdftotext() { command -v pdftotext >/dev/null 2>&1; }

rc=0
b=$(find_browser) || rc=$?
if [ "$rc" = 2 ]; then
	exit 1
fi
if [ "$rc" = 0 ] && have_cjk_font && have_pdftotext; then
	log "browser: $b"
	exit 0
fi
if [ "$rc" = 0 ] && [ -n "${FEEDPROBE_CHROME:-}" ]; then
	log "browser: $b (FEEDPROBE_CHROME set: installing nothing; no font with Chinese glyphs found, screenshots of Chinese text will show boxes)"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	if [ "$rc" = 0 ]; then
		log "browser: $b (no font with Chinese glyphs: screenshots of Chinese text will show boxes)"
		exit 0
	fi
	log "no Chromium found and no apt-get to install it; install Chromium and set FEEDPROBE_CHROME"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		log "no Chromium found; run as root or install the chromium package yourself"
		exit 1
	fi
else
	SUDO=
fi

pkgs=()
[ "$rc" = 0 ] || pkgs+=(chromium fonts-liberation)
have_cjk_font || pkgs+=(fonts-wqy-zenhei fontconfig)
have_pdftotext || pkgs+=(poppler-utils)
log "installing Debian packages: ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
b=$(find_browser) || { log "chromium installed but not found on PATH"; exit 1; }
log "browser: $b ($("$b" --version 2>/dev/null || echo 'version unknown'))"

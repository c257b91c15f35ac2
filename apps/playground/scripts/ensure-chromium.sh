#!/usr/bin/env bash
# Finds the Chromium the playground's end-to-end test drives and prints its path as the last
# line of stdout (messages go to stderr). Looks, in order, at:
#   1. $CHROME_PATH (or $UQJS_CHROMIUM): used as given, an error if it is not an executable;
#   2. chromium, chromium-browser, google-chrome, google-chrome-stable on $PATH, then the
#      usual Debian/Ubuntu paths (/usr/bin/chromium, /usr/bin/chromium-browser,
#      /snap/bin/chromium, /usr/bin/google-chrome);
#   3. a Puppeteer cache ($PUPPETEER_CACHE_DIR or ~/.cache/puppeteer) and a Playwright cache
#      ($PLAYWRIGHT_BROWSERS_PATH or ~/.cache/ms-playwright).
# Only when none is found, this runs as root and the system is Debian with apt-get (as in CI)
# does it install Debian's `chromium` package. It never calls sudo; anywhere else it fails with
# a message that says how to provide a Chromium.
#
#   apps/playground/scripts/ensure-chromium.sh [--find-only]   (--find-only: never install)
set -euo pipefail

say() { echo "ensure-chromium: $*" >&2; }
found() {
  say "using $1 ($("$1" --version 2>/dev/null || echo 'version unknown'))"
  echo "$1"
  exit 0
}

FIND_ONLY=0
if [ "${1:-}" = "--find-only" ]; then FIND_ONLY=1; fi

GIVEN="${CHROME_PATH:-${UQJS_CHROMIUM:-}}"
if [ -n "$GIVEN" ]; then
  if [ -x "$GIVEN" ] && [ -f "$GIVEN" ]; then found "$GIVEN"; fi
  say "CHROME_PATH=$GIVEN is not an executable file"
  exit 1
fi

for name in chromium chromium-browser google-chrome google-chrome-stable; do
  if path="$(command -v "$name" 2>/dev/null)" && [ -x "$path" ]; then found "$path"; fi
done
# ENSURE_CHROMIUM_SYSTEM_PATHS replaces the list (tools/scripts/test/ensure-chromium.test.ts).
SYSTEM_PATHS="${ENSURE_CHROMIUM_SYSTEM_PATHS-/usr/bin/chromium /usr/bin/chromium-browser /snap/bin/chromium /usr/bin/google-chrome /usr/bin/google-chrome-stable /opt/google/chrome/chrome}"
for path in $SYSTEM_PATHS; do
  if [ -x "$path" ]; then found "$path"; fi
done

# Browser caches: the newest build first (version-sorted directory names).
PUPPETEER="${PUPPETEER_CACHE_DIR:-$HOME/.cache/puppeteer}"
PLAYWRIGHT="${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"
shopt -s nullglob
candidates=(
  "$PUPPETEER"/chrome/*/chrome-linux64/chrome
  "$PUPPETEER"/chrome-headless-shell/*/chrome-headless-shell-linux64/chrome-headless-shell
  "$PLAYWRIGHT"/chromium-*/chrome-linux/chrome
  "$PLAYWRIGHT"/chromium-*/chrome-linux64/chrome
  "$PLAYWRIGHT"/chromium_headless_shell-*/chrome-linux/headless_shell
  "$PLAYWRIGHT"/chromium_headless_shell-*/chrome-headless-shell-linux64/chrome-headless-shell
)
shopt -u nullglob
if [ "${#candidates[@]}" -gt 0 ]; then
  while IFS= read -r path; do
    if [ -x "$path" ]; then found "$path"; fi
  done < <(printf '%s\n' "${candidates[@]}" | sort -rV)
fi

HOW="set CHROME_PATH=/path/to/chrome, install your system's Chromium (Debian/Ubuntu: apt-get install chromium), or download one with 'npx playwright install chromium' or 'npx @puppeteer/browsers install chrome@stable'"
if [ "$FIND_ONLY" -eq 1 ]; then
  say "no Chromium found; $HOW"
  exit 1
fi
if [ "$(id -u)" -ne 0 ] || [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
  say "no Chromium found (installs one with apt-get only as root on Debian, as in CI); $HOW"
  exit 1
fi
say "no Chromium found; root on Debian: installing the chromium package with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2
if [ -x /usr/bin/chromium ]; then found /usr/bin/chromium; fi
say "apt-get installed chromium, but /usr/bin/chromium is missing"
exit 1

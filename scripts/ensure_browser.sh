#!/usr/bin/env bash
# Make sure /usr/bin/chromium exists for the end-to-end tests (Playwright drives it).
# - present: nothing to do;
# - missing and root with apt-get: install Debian's chromium;
# - still missing: say so; the e2e tests then skip, except under CI=true, where this fails.
set -u
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"  # overridable to test this script
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the end-to-end tests (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; then
    [ -x "$CHROMIUM" ] && { echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null)"; exit 0; }
  fi
  echo "apt-get could not install chromium." >&2
fi
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: CI=true but there is no $CHROMIUM, so the end-to-end tests cannot run." >&2
  echo "       Run 'make test' as root (it installs Debian's chromium) or install it first." >&2
  exit 1
fi
echo "WARNING: no $CHROMIUM: the end-to-end tests will be SKIPPED." >&2
echo "         Install it with 'sudo apt-get install chromium' (or run 'make test' as root)." >&2
exit 0

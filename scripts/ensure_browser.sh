#!/usr/bin/env bash
# Make sure a Chromium exists for the end-to-end tests.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the end-to-end tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null && exit 0
  echo "apt-get could not install chromium." >&2
fi
echo "No /usr/bin/chromium: end-to-end tests will be skipped (install it with 'sudo apt-get install chromium')." >&2
if [ "${CI:-}" = "true" ]; then echo "CI=true needs the browser; failing." >&2; exit 1; fi
exit 0

#!/usr/bin/env bash
# Make sure HAProxy exists for the class server (`make class`) and its tests.
# - present: nothing to do;
# - missing and root with apt-get: install Debian's haproxy;
# - still missing: say so; the class-server tests then skip, except under CI=true, where this fails.
set -u
if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's haproxy for the class server (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends haproxy >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends haproxy >/dev/null; }
  if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then
    echo "haproxy installed: $( (haproxy -v 2>/dev/null || /usr/sbin/haproxy -v) | head -1)"; exit 0
  fi
  echo "apt-get could not install haproxy." >&2
fi
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: CI=true but haproxy is missing, so the class-server tests cannot run." >&2
  echo "       Run 'make test' as root (it installs Debian's haproxy) or install it first." >&2
  exit 1
fi
echo "WARNING: no haproxy: the class-server tests will be SKIPPED and 'make class' cannot run." >&2
echo "         Install it with 'sudo apt-get install haproxy' (or run 'make test' as root)." >&2
exit 0

#!/usr/bin/env bash
# The browser tests' browser: Debian's chromium at /usr/bin/chromium, driven by Playwright's
# Python package (never `playwright install`). `make test` runs this first. As root it installs
# chromium with apt when it is missing; otherwise it says what to run and the test command goes
# on: every other test runs, and only the browser tests fail, naming the same command.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests (apt-get, once) ..."
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
        exit 0
    fi
    echo "Could not install chromium with apt-get; the browser tests will fail." >&2
    exit 0
fi
cat >&2 <<'MESSAGE'
The browser tests need Debian's chromium at /usr/bin/chromium, which is not installed.
Install it once with:   sudo apt-get update && sudo apt-get install -y chromium
Every other test runs now; the browser tests will fail with this same advice.
MESSAGE
exit 0

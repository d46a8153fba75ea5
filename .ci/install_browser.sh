#!/usr/bin/env bash
# The browser test's browser: Debian's chromium at /usr/bin/chromium (Playwright drives it;
# no `playwright install`). Idempotent: does nothing when it is already there. Needs root.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/test_render_browser.py).
# Idempotent and quiet: does nothing when /usr/bin/chromium is already there.
# Never runs `playwright install`: Playwright drives the distribution's browser.
set -euo pipefail

BROWSER=/usr/bin/chromium
[ -x "$BROWSER" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install-browser: $BROWSER is missing and this user cannot run apt-get (not root, no passwordless sudo)" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
APT="apt-get -qq -o DPkg::Lock::Timeout=600"
$SUDO $APT update >/dev/null
$SUDO $APT install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x "$BROWSER" ]; then
    echo "install-browser: apt-get finished but $BROWSER is still missing" >&2
    exit 1
fi

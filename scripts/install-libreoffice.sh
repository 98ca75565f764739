#!/usr/bin/env bash
# Install LibreOffice Writer (headless) for the DOCX check in tests/test_render_docx.py.
# Idempotent and quiet: does nothing when soffice is already on PATH.
set -euo pipefail

command -v soffice >/dev/null 2>&1 && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install-libreoffice: soffice is missing and this user cannot run apt-get (not root, no passwordless sudo)" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
APT="apt-get -qq -o DPkg::Lock::Timeout=600"
$SUDO $APT update >/dev/null
$SUDO $APT install -y --no-install-recommends libreoffice-writer-nogui fonts-dejavu-core >/dev/null

if ! command -v soffice >/dev/null 2>&1; then
    echo "install-libreoffice: apt-get finished but soffice is still missing" >&2
    exit 1
fi

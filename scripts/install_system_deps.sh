#!/usr/bin/env bash
# System packages for headless rendering checks of the HTML report (Debian's chromium).
# MuJoCo renders off-screen through EGL (Mesa's libegl-mesa0), which the base image already has.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium libegl1 libgl1 libegl-mesa0 >/dev/null

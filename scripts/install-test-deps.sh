#!/usr/bin/env bash
# What the tests need from Debian on a fresh machine: the browsers the browser tests drive
# (Chromium through Playwright, Firefox ESR over WebDriver BiDi; neither tool may download a
# browser of its own), a virtual X display for Firefox's screen capture (xvfb), and the services
# later tests use (redis-server, coturn, nftables).
# Installs only what is missing; needs root, as on CI and the development machines.
set -euo pipefail
declare -A command_of=(
  [chromium]=/usr/bin/chromium
  [firefox-esr]=/usr/bin/firefox-esr
  [xvfb]=/usr/bin/Xvfb
  [redis-server]=/usr/bin/redis-server
  [coturn]=/usr/bin/turnserver
  [nftables]=/usr/sbin/nft
)
missing=()
for package in chromium firefox-esr xvfb redis-server coturn nftables; do
  [ -x "${command_of[$package]}" ] || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need Debian's ${missing[*]}: run 'sudo apt-get install ${missing[*]}' and try again." >&2
  exit 1
fi
echo "Installing Debian's ${missing[*]} for the tests…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# What `npm run bench:sfu -- --peer janus` needs from Debian: Janus (1.1.x, with its VideoRoom plugin
# and HTTP transport), the SFU it is compared with. Installs it only when missing; needs root.
set -euo pipefail
[ -x /usr/bin/janus ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The Janus comparison needs Debian's janus: run 'sudo apt-get install janus' and try again." >&2
  exit 1
fi
echo "Installing Debian's janus for the SFU benchmark…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq janus >/dev/null

#!/usr/bin/env bash
# What the benchmarks need from Debian: Janus (1.1.x, with its VideoRoom plugin and HTTP
# transport), the SFU `npm run bench:sfu -- --peer janus` compares with, and ffmpeg, which makes the
# 720p30 camera clip of `npm run bench:network`. Installs what is missing; needs root.
set -euo pipefail
[ -x /usr/bin/janus ] && [ -x /usr/bin/ffmpeg ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The benchmarks need Debian's janus and ffmpeg: run 'sudo apt-get install janus ffmpeg' and try again." >&2
  exit 1
fi
echo "Installing Debian's janus and ffmpeg for the benchmarks…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq janus ffmpeg >/dev/null

#!/bin/sh
# Regenerates the bot's looping test clip with Debian's ffmpeg. The outputs are committed, so
# nothing else in the project needs ffmpeg. Run from anywhere: files land beside this script.
set -eu
cd "$(dirname "$0")"
FFMPEG=${FFMPEG:-/usr/bin/ffmpeg}

# Video: test pattern with a moving box, so every frame differs and decoders must really work.
# VP8 in IVF, 320x240 at 20 fps for 10 s, ~350 kbps, a keyframe every 2 s (40 frames) and no
# others (auto-alt-ref off keeps every frame visible, one IVF frame per RTP frame).
"$FFMPEG" -y -hide_banner -loglevel error \
  -f lavfi -i "testsrc2=size=320x240:rate=20,drawbox=x='mod(t*80,280)':y=100:w=40:h=40:color=red@1:t=fill" \
  -t 10 -c:v libvpx -b:v 350k -minrate 350k -maxrate 350k -g 40 -keyint_min 40 \
  -auto-alt-ref 0 -lag-in-frames 0 -deadline realtime -cpu-used 8 -pix_fmt yuv420p \
  clip.ivf

# Audio: a 440 Hz tone, Opus in Ogg, 48 kHz mono, 20 ms frames, 32 kbps constant (a pure tone
# would otherwise come out well above the target in VBR), 10 s.
"$FFMPEG" -y -hide_banner -loglevel error \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
  -ac 1 -ar 48000 -c:a libopus -b:a 32k -vbr off -frame_duration 20 -application audio \
  clip.ogg

#!/bin/sh
# Regenerates the legacy-charset samples from their UTF-8 source with the system's iconv:
#   wagahai.sjis.txt   Shift_JIS (glibc's SJIS), what Japanese Windows and old mail used.
# The text is the opening of Natsume Soseki's "I Am a Cat" (1905), in the public domain.
set -eu
cd "$(dirname "$0")"
iconv -f UTF-8 -t SHIFT_JIS wagahai.utf8.txt > wagahai.sjis.txt

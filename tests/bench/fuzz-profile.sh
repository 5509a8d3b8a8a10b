#!/bin/bash
# Fuzz the profile parser with libFuzzer for a while (not part of the
# suite): tests/unit/test-profile-fuzz.c built as a libFuzzer target with
# AddressSanitizer and UndefinedBehaviorSanitizer, the parser's own files
# instrumented, the rest of sbx's libraries as built.  Seeds: the shipped
# profiles.  A crash leaves crash-* in the work directory: turn each into
# a case of tests/unit/test-profile.c before fixing it.
#
#   tests/bench/fuzz-profile.sh [SECONDS]     (default 300; after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-300}
command -v clang >/dev/null || { echo "fuzz-profile: clang is not installed (apt-get install clang)"; exit 77; }
[ -f libsbxcore.a ] || { echo "fuzz-profile: build first (make)"; exit 1; }
work=$(mktemp -d /tmp/sbx-fuzz-profile.XXXXXX)
mkdir -p "$work/corpus"
cp profiles/*.profile "$work/corpus/"
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -DSBX_LIBFUZZER -I. -Itests/unit \
  -DSBX_SYSCONF_PROFILES="\"/nonexistent\"" -DSBX_DATA_PROFILES="\"/nonexistent\"" \
  tests/unit/test-profile-fuzz.c profiles/profile.c profiles/profile-vars.c core/settings.c \
  libsbxcore.a libsbxnet.a libsbxbase.a \
  $(pkg-config --libs libseccomp slirp json-c libarchive nettle) -lm \
  -o "$work/fuzz-profile"
cd "$work"
./fuzz-profile -max_len=4096 -max_total_time="$secs" -print_final_stats=1 corpus 2>&1 | tail -15
echo "fuzz-profile: work directory $work (crash-* files there, if any)"

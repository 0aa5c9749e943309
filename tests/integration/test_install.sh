#!/usr/bin/env bash
# meson install into a scratch DESTDIR: the nrfcred binary, the J-Link udev
# rule and the man page land where the build says, and each is usable.
# Usage (from meson): test_install.sh BUILD BINDIR MANDIR UDEV_RULES_DIR MAN_FOUND
set -u
build=$1 bindir=$2 mandir=$3 rulesdir=$4 man_found=$5
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"
dest=$(mktemp -d "${TMPDIR:-/tmp}/nrfcred-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT

# --no-rebuild: meson test already built everything (and holds the build).
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$dest.log" 2>&1
rc=$?
check "meson install --destdir: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$dest.log" | tail -20
rm -f "$dest.log"

bin=$dest$bindir/nrfcred
check "binary installed into bindir, executable" [ -x "$bin" ]
check "installed binary runs: --version" bash -c "ASAN_OPTIONS=detect_leaks=0 '$bin' --version | grep -q '^nrfcred [0-9]'"
check "installed binary lists inspect" bash -c "ASAN_OPTIONS=detect_leaks=0 '$bin' --help | grep -q '^  inspect '"

rule=$dest$rulesdir/70-nrfcred-jlink.rules
check "udev rule installed into the udev rules dir" [ -f "$rule" ]
check "udev rule: SEGGER vendor, 0660, plugdev, uaccess on one rule line" \
  grep -qE '^SUBSYSTEM=="usb", ATTRS\{idVendor\}=="1366", MODE="0660", GROUP="plugdev", TAG\+="uaccess"$' "$rule"
check "udev rule: every other line is a comment" \
  bash -c "[ \$(grep -cvE '^(#|$)' '$rule') -eq 1 ]"
check "udev rule is not executable and world-readable (udev reads it)" \
  bash -c "[ \$(stat -c %a '$rule') = 644 ]"

man=$dest$mandir/man1/nrfcred.1
if [ "$man_found" = true ]; then
  check "man page installed into mandir/man1" [ -f "$man" ]
  check "man page: NAME, SYNOPSIS, every command, exit codes, FILES" "${PY:-/usr/bin/python3}" - "$man" <<'PY'
import sys
t = open(sys.argv[1]).read()
assert t.startswith(".\\\"") or ".TH NRFCRED" in t, t[:200]
assert '.TH NRFCRED "1"' in t, "no .TH"
for want in (".SH NAME", ".SH SYNOPSIS", ".SH FILES", "70\\-nrfcred\\-jlink.rules",
             'nrfcred provision"', 'nrfcred inspect"', 'nrfcred station"', 'nrfcred probes"',
             'nrfcred hex"', "Exit codes", "\\-\\-trace"):
    assert want in t, want
PY
  if command -v man >/dev/null; then
    check "man page renders (man -l) with the inspect reference" \
      bash -c "MANWIDTH=100 man -l '$man' 2>/dev/null | col -b | grep -q 'Usage: nrfcred inspect \[-s SERIAL\]'"
  fi
else
  check "no help2man at configure time: no man page installed" [ ! -e "$man" ]
fi

finish

# Sourced by the integration tests: one line per check ("ok - ..." or
# "not ok - ..."), and `finish` prints the closing "N passed, M failed" line
# that tools/test sums, returning non-zero when a check failed.
pass=0
fail=0

check() { # check DESCRIPTION COMMAND...
  local desc=$1
  shift
  if "$@"; then
    pass=$((pass + 1))
    echo "ok - $desc"
  else
    fail=$((fail + 1))
    echo "not ok - $desc"
  fi
}

finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

#!/usr/bin/env bash
# nrfcred station --continuous (issue 6) on two slots, with the operator
# played by `nrfsim slot`: slot 1's board is pulled and a fresh one (next
# IMEI) inserted, and slot 1 provisions it; then swapped in one step
# (`replace`), and slot 1 provisions that one too; slot 2's board is pulled and
# nothing inserted, and slot 2 keeps waiting. Then Ctrl-C. Every wait is
# bounded: the test polls the CSV logs and the JSON lines.
set -u
. "$(dirname "$0")/station_lib.sh"

d=$tmp/continuous
make_fixture "$d" fast
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [3-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
open(p, "w").write(t)
PY
csv1=$d/logs/demo-slot1.csv
csv2=$d/logs/demo-slot2.csv
out=$d/out.jsonl

NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
  "$nrfcred" station --continuous --json "$d/station.ini" >"$out" 2>"$d/err.txt" &
pid=$!

rows() { # rows CSV: data rows (the header is not counted)
  if [ -f "$1" ]; then echo $(($(wc -l <"$1") - 1)); else echo 0; fi
}
# nth_state SLOT STATE: how many times SLOT entered STATE so far.
nth_state() {
  grep -c "\"event\":\"state\",.*\"slot\":$1,.*\"state\":\"$2\"" "$out"
}
# wait_for DESCRIPTION COMMAND...: polls COMMAND every 0.1 s, for at most
# 60 s or until nrfcred exits; the result is COMMAND's last status.
wait_for() {
  local desc=$1
  shift
  for _ in $(seq 1 600); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "# timed out waiting for: $desc"
  "$@"
}
ge() { [ "$($1 "${@:2:$#-2}")" -ge "${!#}" ]; }
# erased_boards: how many of slot 1's and slot 2's boards `nrfsim show`
# reports with fully erased flash.
erased_boards() {
  "$nrfsim" show "$d/state" 2>&1 | awk '/^probe / {on = ($2 == "000260000001" || $2 == "000260000002")}
    on && /^  flash: .*fully erased/ {n++} END {print n + 0}'
}

wait_for "a row in both CSVs" bash -c '[ -f "$1" ] && [ -f "$2" ] &&
  [ $(wc -l <"$1") -ge 2 ] && [ $(wc -l <"$2") -ge 2 ]' _ "$csv1" "$csv2"
wait_for "both slots waiting for removal" \
  bash -c '[ "$(grep -c "\"state\":\"WAIT_REMOVE\"" "$1")" -ge 2 ]' _ "$out"
check "first boards: one row per slot" [ "$(rows "$csv1")" -eq 1 -a "$(rows "$csv2")" -eq 1 ]
check "first boards: both passed" bash -c 'grep -q ",pass," "$1" && grep -q ",pass," "$2"' _ "$csv1" "$csv2"
check "first boards: erased while the station still holds the probes" [ "$(erased_boards)" -eq 2 ]

# The operator swaps slot 1's board. A real swap takes far longer than the
# station's VTref poll (2 x 100 ms), so the pull is seen before the new board
# goes in: remove, wait for the slot to notice, then a fresh board
# (`replace`: new state file, next IMEI).
"$nrfsim" slot "$d/state" 260000001 remove >/dev/null
# In continuous mode a slot starts in WAIT_BOARD: the second one is the wait
# after the pull.
wait_for "slot 1 sees its board gone (WAIT_BOARD)" ge nth_state 1 WAIT_BOARD 2
check "slot 1: board pulled, the slot waits for the next one" [ "$(nth_state 1 WAIT_BOARD)" -eq 2 ]
check "slot 1: no new board started while the slot is empty" [ "$(nth_state 1 CONNECT)" -eq 1 ]
"$nrfsim" slot "$d/state" 260000001 replace >/dev/null
wait_for "a second row in slot 1's CSV" bash -c '[ $(wc -l <"$1") -ge 3 ]' _ "$csv1"
wait_for "slot 1 waiting for removal again" ge nth_state 1 WAIT_REMOVE 2
check "slot 1: the new board was provisioned (2 rows, both pass, 2 IMEIs: the scenario's, then the next)" \
  "$py" - "$csv1" "$(scenario_imei "$d/sim.ini" 1)" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 2, rows
assert all(r["result"] == "pass" and r["error"] == "" for r in rows), rows
first, second = rows[0]["imei"], rows[1]["imei"]
assert first == sys.argv[2], (first, sys.argv[2])
assert first != second, (first, second)
# tools/sim/README.md: a replacement's IMEI is the serial-number digits + 64,
# with the Luhn check digit recomputed.
body = first[:8] + "%06d" % (int(first[8:14]) + 64)
total = 0
for i, c in enumerate(reversed(body)):
    v = int(c) * (2 if i % 2 == 0 else 1)
    total += v - 9 if v > 9 else v
assert second == body + str((10 - total % 10) % 10), (second, body)
PY
check "slot 2: still one row and still waiting for its removal while slot 1 worked" \
  bash -c '[ "$(($(wc -l <"$1") - 1))" -eq 1 ] && [ "$2" -eq 1 ] && [ "$3" -eq 1 ]' \
  _ "$csv2" "$(nth_state 2 CONNECT)" "$(nth_state 2 WAIT_BOARD)"

# The same swap as one command (`replace` while the slot waits for removal):
# the simulator keeps the fresh board unseated for a moment, as a real swap
# does, so the station sees the pull, then the new board, and provisions it.
"$nrfsim" slot "$d/state" 260000001 replace >/dev/null
wait_for "a third row in slot 1's CSV" bash -c '[ $(wc -l <"$1") -ge 4 ]' _ "$csv1"
wait_for "slot 1 waiting for removal a third time" ge nth_state 1 WAIT_REMOVE 3
check "slot 1: a one-step swap is seen as pull + insert, and the board passes" \
  bash -c '[ "$1" -eq 3 ] && [ "$(($(wc -l <"$2") - 1))" -eq 3 ] && tail -n1 "$2" | grep -q ",pass,"' \
  _ "$(nth_state 1 WAIT_BOARD)" "$csv1"

# Slot 2's board is pulled and nothing goes in: the slot waits.
"$nrfsim" slot "$d/state" 260000002 remove >/dev/null
wait_for "slot 2 sees its board gone (WAIT_BOARD)" ge nth_state 2 WAIT_BOARD 2
sleep 1 # several VTref polls: nothing may start on an empty slot
check "slot 2: board pulled, nothing inserted: waits, no new board, one row" \
  bash -c '[ "$1" -eq 2 ] && [ "$2" -eq 1 ] && [ "$(($(wc -l <"$3") - 1))" -eq 1 ]' \
  _ "$(nth_state 2 WAIT_BOARD)" "$(nth_state 2 CONNECT)" "$csv2"
check "nrfcred still running while both slots wait" kill -0 "$pid"

kill -INT "$pid"
# Bounded: a waiting station must end within 10 s of Ctrl-C.
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  echo "# nrfcred did not end after Ctrl-C; killing it"
  kill -KILL "$pid"
fi
wait "$pid"
rc=$?
check "Ctrl-C while every slot waits: exit 0 (README: no board cut short)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$d/err.txt" | tail -20
check "JSON: every line parses; 4 passing boards; stop, then end with exit_code 0" \
  "$py" - "$out" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
boards = [(e["slot"], e["result"]) for e in ev if e["event"] == "board"]
assert boards.count((1, "pass")) == 3 and boards.count((2, "pass")) == 1, boards
assert len(boards) == 4, boards
kinds = [e["event"] for e in ev]
assert "stop" in kinds and kinds[-1] == "end", kinds[-3:]
end = ev[-1]
assert end["passed"] == 4 and end["failed"] == 0 and end["exit_code"] == 0, end
PY
check "CSV rows after Ctrl-C: slot 1 three, slot 2 one (no interrupted row)" \
  [ "$(rows "$csv1")" -eq 3 -a "$(rows "$csv2")" -eq 1 ]
check "nrfsim show: both slots' boards (slot 1's is the replacement) fully erased" \
  [ "$(erased_boards)" -eq 2 ]
check "nrfsim show: slot 1 holds the replacement board (the IMEI of its second row)" \
  bash -c '"$1" show "$2" | grep -A4 "^probe 000260000001$" | grep -q "IMEI: *$3$"' \
  _ "$nrfsim" "$d/state" "$(tail -n1 "$csv1" | cut -d, -f5)"

finish

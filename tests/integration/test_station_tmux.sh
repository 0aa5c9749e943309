#!/usr/bin/env bash
# The live dashboard as a person sees it: nrfcred station runs the 8-slot
# demo fixture (fast simulator) in a detached tmux window; the screen is
# captured mid-run and at the end and checked for rows, states, IMEIs and
# totals.
set -u
. "$(dirname "$0")/station_lib.sh"

if ! command -v tmux >/dev/null; then
  echo "not ok - tmux is not installed"
  echo "0 passed, 1 failed"
  exit 1
fi
d=$tmp/tmux
make_fixture "$d" fast
session=nrfcred-dash-$$
sock=$tmp/tmux.sock
tm() { tmux -S "$sock" "$@"; }
cat >"$d/run.sh" <<RUN
#!/usr/bin/env bash
unset NO_COLOR
NRFSIM_STATE_DIR='$d/state' '$nrfsim' run '$d/sim.ini' -- '$nrfcred' station '$d/station.ini'
echo "EXIT=\$?"
sleep 600
RUN
chmod +x "$d/run.sh"
tm new-session -d -s "$session" -x 150 -y 30 "$d/run.sh"
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

capture() { tm capture-pane -p -t "$session" "$@"; }

# Mid-run: wait for a frame with some slot busy.
mid=""
for _ in $(seq 1 2400); do
  frame=$(capture)
  if grep -qE '^ +[1-8] 0002600000[0-9]{2} +(ERASE|PROGRAM|VERIFY|RUN|AWAIT_RESULT|CHECK|WIPE) ' <<<"$frame"; then
    mid=$frame
    break
  fi
  grep -q '^EXIT=' <<<"$frame" && break
  sleep 0.1
done
printf '%s\n' "$mid" | sed 's/^/# mid: /'
check "mid-run: header names the station, the provisioner digest and its simulator build" \
  grep -qE '^nrfcred station demo \| provisioner [0-9a-f]{16} SIMULATOR BUILD \| 8 slots \| up ' <<<"$mid"
check "mid-run: column titles" grep -qE '^SLOT PROBE +STATE +PROGRESS +IMEI +TIME RESULT' <<<"$mid"
check "mid-run: one row per slot" \
  [ "$(grep -cE '^ +[1-8] 0002600000[0-9]{2} ' <<<"$mid")" -eq 8 ]
check "mid-run: footer counts running slots" \
  grep -qE '^passed [0-8]  failed 0  running [1-8] \| [0-9.]+ boards/h' <<<"$mid"

# The end: the process prints EXIT= under the final frame.
end=""
for _ in $(seq 1 3000); do
  end=$(capture)
  grep -q '^EXIT=' <<<"$end" && break
  sleep 0.2
done
printf '%s\n' "$end" | sed 's/^/# end: /'
check "end: exit code 0" grep -q '^EXIT=0' <<<"$end"
for n in 1 2 3 4 5 6 7 8; do
  imei=$(scenario_imei "$d/sim.ini" "$n")
  check "end: slot $n DONE with IMEI $imei and pass" \
    grep -qE "^ +$n 00026000000$n +DONE +$imei +[0-9.]+s pass\$" <<<"$end"
done
check "end: totals" grep -qE '^passed 8  failed 0  running 0 \| [0-9.]+ boards/h \| finished' <<<"$end"
check "end: colours on the terminal (green DONE)" \
  grep -q $'\e\\[32mDONE' <<<"$(capture -e)"
finish

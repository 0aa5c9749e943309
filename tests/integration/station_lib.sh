# Shared by the station integration tests (sourced): paths, a scratch dir,
# fixture files derived from config/demo-*.ini, and the ok/not ok counters.
src=${NRFCRED_SOURCE_ROOT:?run through meson test}
build=${NRFCRED_BUILD_ROOT:?run through meson test}
nrfcred=$build/nrfcred
nrfsim=$build/tools/sim/nrfsim
py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nrfcred-station.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"


# make_fixture DIR TIMING: DIR/sim.ini (demo scenario, given timing) and
# DIR/station.ini (demo station, absolute credential paths, logs in DIR/logs).
make_fixture() {
  mkdir -p "$1"
  sed "s/^timing = .*/timing = $2/" "$src/config/demo-sim.ini" >"$1/sim.ini"
  sed -e "s#^file = \.\./#file = $src/#" -e "s#^log_dir = .*#log_dir = $1/logs#" \
    "$src/config/demo-station.ini" >"$1/station.ini"
}

# The scenario's IMEI of probe N.
scenario_imei() {
  awk -v want="[probe $2]" '$0 == want {p = 1; next} /^\[/ {p = 0} p && $1 == "imei" {print $3}' "$1"
}

# sim DIR COMMAND...: runs COMMAND under the simulator with DIR's scenario
# and its own state directory.
sim() {
  local dir=$1
  shift
  NRFSIM_STATE_DIR="$dir/state" "$nrfsim" run "$dir/sim.ini" -- "$@"
}

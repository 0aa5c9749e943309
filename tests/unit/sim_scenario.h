/* Test helper: a simulator scenario (tools/sim/README.md) for a test that
 * links the fake libusb. */
#ifndef NRFCRED_TEST_SIM_SCENARIO_H
#define NRFCRED_TEST_SIM_SCENARIO_H

/* Makes a folder from template (mkdtemp, "...XXXXXX") and writes its
 * scenario.ini: fast timing, the boards' state in DIR/state, then body.
 * Points the simulator at it (NRFSIM_SCENARIO; NRFSIM_STATE_DIR unset) and
 * removes the folder when the test's process exits. Returns the folder,
 * valid until the next call. All asserted. */
const char *sim_scenario_use(const char *template, const char *body);

#endif

#!/usr/bin/env python3
"""tools/test-summary on made-up meson logs: skipped suites are counted, and
under CI=true a required suite that skipped or never ran is a failure."""
import json
import os
import subprocess
import sys
import tempfile

src = sys.argv[1]
tool = os.path.join(src, "tools", "test-summary")
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + ("  " + detail if detail else ""))


def summary(tests, required=None, ci=False):
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "testlog.json")
        with open(log, "w") as f:
            for t in tests:
                f.write(json.dumps(t) + "\n")
        args = [sys.executable, tool, log]
        if required is not None:
            req = os.path.join(d, "req.txt")
            with open(req, "w") as f:
                f.write("# comment\n" + "\n".join(required) + "\n")
            args += ["--required", req]
        env = dict(os.environ)
        env.pop("CI", None)
        if ci:
            env["CI"] = "true"
        p = subprocess.run(args, env=env, capture_output=True, text=True)
        return tuple(map(int, p.stdout.split())), p.stderr


crit = {"name": "unit-a", "result": "OK",
        "stdout": "[====] Synthesis: Tested: 9 | Passing: 9 | Failing: 0 | Crashing: 0"}
crit_bad = {"name": "unit-b", "result": "FAIL",
            "stdout": "[====] Synthesis: Tested: 4 | Passing: 3 | Failing: 1 | Crashing: 0"}
script = {"name": "integration-x", "result": "OK", "stdout": "ok 1\n12 passed, 0 failed\n"}
script_skip = {"name": "integration-y", "result": "OK",
               "stdout": "5 passed, 0 failed, 2 skipped\n"}
skip = {"name": "integration-openocd", "result": "SKIP", "stdout": "SKIP: openocd not installed"}
plain = {"name": "integration-docs", "result": "OK", "stdout": "fine"}

got, _ = summary([crit, crit_bad, script, plain])
check("Criterion, script and plain tests are summed", got == (9 + 3 + 12 + 1, 1, 0), str(got))
got, _ = summary([crit, skip])
check("a skipped meson test counts as skipped, not dropped", got == (9, 0, 1), str(got))
got, _ = summary([script_skip])
check("a script's 'K skipped' is counted", got == (5, 0, 2), str(got))
got, err = summary([crit, skip], required=["integration-openocd"])
check("required test skipped outside CI: still skipped, named on stderr",
      got == (9, 0, 1) and "integration-openocd skipped" in err, f"{got} {err}")
got, err = summary([crit, skip], required=["integration-openocd"], ci=True)
check("required test skipped under CI=true: a failure", got == (9, 1, 0), f"{got} {err}")
got, err = summary([crit], required=["integration-firmware-sim"], ci=True)
check("required test never built, CI=true: a failure naming it",
      got == (9, 1, 0) and "integration-firmware-sim did not run" in err, f"{got} {err}")
got, err = summary([crit], required=["integration-firmware-sim"])
check("required test never built, outside CI: counted skipped", got == (9, 0, 1), f"{got} {err}")
meson_named = [dict(crit, name="nrfcred / unit-a"),
               dict(skip, name="nrfcred:simulator / integration-openocd"),
               dict(plain, name="nrfcred:docs / integration-docs")]
got, err = summary(meson_named, required=["unit-a", "integration-docs"], ci=True)
check("meson's 'project:suite / name' matches the required name", got == (10, 0, 1), f"{got} {err}")
got, err = summary(meson_named, required=["integration-openocd"], ci=True)
check("... and a skipped one so named fails under CI", got == (10, 1, 0), f"{got} {err}")
got, err = summary([crit, skip], required=["unit-a"], ci=True)
check("a skip of a test that is not required stays a skip under CI", got == (9, 0, 1), str(got))
with tempfile.TemporaryDirectory() as d:
    p = subprocess.run([sys.executable, tool, os.path.join(d, "none.json"), "--required",
                        os.path.join(d, "missing.txt")], capture_output=True, text=True)
    check("a missing required list is a failure, not a pass",
          p.stdout.split()[1:2] == ["1"], p.stdout + p.stderr)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

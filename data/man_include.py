#!/usr/bin/env python3
"""Writes the help2man include file of nrfcred.1: the complete help of every
subcommand (`nrfcred help COMMAND`, the list taken from `nrfcred --help`),
the files nrfcred installs and where to read on. help2man makes the rest of
the page from `nrfcred --help` and `nrfcred --version`.

Usage: man_include.py NRFCRED UDEV_RULES_DIR OUTPUT
"""
import re
import subprocess
import sys


def roff_verbatim(text):
    """Text for a .nf block: backslashes and hyphens escaped, no line
    starting with a control character."""
    out = []
    for line in text.rstrip("\n").split("\n"):
        line = line.replace("\\", "\\e").replace("-", "\\-")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def main():
    nrfcred, rules_dir, output = sys.argv[1], sys.argv[2], sys.argv[3]
    top = subprocess.run([nrfcred, "--help"], check=True, capture_output=True, text=True).stdout
    block = top.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    commands = re.findall(r"^  (\S+) ", block, re.M)
    if not commands:
        sys.exit("man_include.py: no commands found in nrfcred --help")
    parts = ["[COMMAND REFERENCE]"]
    for cmd in commands:
        text = subprocess.run([nrfcred, "help", cmd], check=True, capture_output=True,
                              text=True).stdout
        parts.append('.SS "nrfcred %s"\n.nf\n%s\n.fi' % (cmd, roff_verbatim(text)))
    rule = roff_verbatim(rules_dir.rstrip("/") + "/70-nrfcred-jlink.rules")
    parts.append("""[FILES]
.TP
.I %s
gives the plugdev group and the user at the seat access to SEGGER J\\-Link
probes (USB vendor 0x1366).
.TP
.IR LOGDIR /\\fISTATION\\fR\\-slot\\fIN\\fR.csv
one row per board of a station run.
.TP
.IR DIR /\\fISTATION\\fR\\-slot\\fIN\\fR.trace
with \\fBstation \\-\\-trace\\fR \\fIDIR\\fR: every SWD transaction of slot \\fIN\\fR,
credential data redacted.

[SEE ALSO]
README.md (commands, station file, simulator) and docs/BRINGUP.md (the
first board with a real J\\-Link) in the nrfcred sources.""" % rule)
    with open(output, "w") as f:
        f.write("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()

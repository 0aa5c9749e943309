#!/usr/bin/python3
"""Looks for credential bytes in the flash and UICR of simulated boards.

    secret_scan.py scan STATE_DIR PSK_HEX KEY_PEM
        prints one line per hit ("<board> <region> <secret>"), exit 1 on any
    secret_scan.py watch STATE_DIR PSK_HEX KEY_PEM OUT [--until-await N]
        reads JSON events (one per line) on stdin and scans after every one;
        writes the number of scans, the most board files seen and the hits
        to OUT. With --until-await N
        it prints "armed" on stderr and exits 3 as soon as N slots are in
        AWAIT_RESULT (the caller then kills the station).

The state file (<probe>.board) layout is tools/sim/state.h: a 256-byte header, 1 MB of flash,
4 KB of UICR, then the modem's own store (which legitimately holds the
credentials and is not scanned).
"""
import base64
import glob
import json
import os
import sys

HEADER, FLASH, UICR = 256, 1 << 20, 4096


def secrets(psk_hex, key_path):
    pem = open(key_path, "rb").read()
    lines = [l for l in pem.splitlines() if l and not l.startswith(b"-----")]
    body = b"".join(lines)
    out = {
        "PSK (binary)": bytes.fromhex(psk_hex),
        "PSK (hex, lower)": psk_hex.lower().encode(),
        "PSK (hex, upper)": psk_hex.upper().encode(),
        "key (DER)": base64.b64decode(body),
    }
    # Each base64 line of the PEM on its own: a table holds the PEM text.
    for i, l in enumerate(lines):
        if len(l) >= 24:
            out["key (base64 line %d)" % (i + 1)] = l
    return out


def boards(state_dir):
    return sorted(glob.glob(os.path.join(state_dir, "*.board")))


def scan(state_dir, found):
    hits = []
    for path in boards(state_dir):
        with open(path, "rb") as f:
            data = f.read(HEADER + FLASH + UICR)
        regions = {"flash": data[HEADER:HEADER + FLASH], "UICR": data[HEADER + FLASH:]}
        for rname, blob in regions.items():
            for sname, s in found.items():
                if s and s in blob:
                    hits.append("%s %s %s" % (os.path.basename(path), rname, sname))
    return hits


def main():
    mode, state_dir, psk_hex, key_path = sys.argv[1:5]
    found = secrets(psk_hex, key_path)
    if mode == "scan":
        hits = scan(state_dir, found)
        if not boards(state_dir):
            hits.append("no board state file in %s" % state_dir)
        for h in hits:
            print(h)
        sys.exit(1 if hits else 0)
    out = sys.argv[5]
    until = int(sys.argv[7]) if len(sys.argv) > 7 and sys.argv[6] == "--until-await" else 0
    scans, files, hits, awaiting = 0, 0, set(), set()
    rc = 0
    for line in sys.stdin:
        hits.update(scan(state_dir, found))
        scans += 1
        files = max(files, len(boards(state_dir)))
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("event") == "state":
            if ev.get("state") == "AWAIT_RESULT":
                awaiting.add(ev.get("slot"))
            else:
                awaiting.discard(ev.get("slot"))
        if until and len(awaiting) >= until:
            sys.stderr.write("armed\n")
            rc = 3
            break
    with open(out, "w") as f:
        f.write("scans %d\n" % scans)
        f.write("boards %d\n" % files)
        for h in sorted(hits):
            f.write("hit %s\n" % h)
    sys.exit(rc)


if __name__ == "__main__":
    main()

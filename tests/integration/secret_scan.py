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
    secret_scan.py files PSK_HEX KEY_PEM [--stored HEX] [--text T]... -- PATH...
        looks for every form of the secrets in every file under the PATHs
        (directories recursively; a missing PATH is an error): the PSK (raw,
        hex either case, base64), the key (DER, its raw private scalar, hex,
        base64, each PEM line, the PEM as nrfcred stores it when --stored
        names a hex that holds the table), any --text (a passphrase), and
        the SHA-256 (hex either case) of each. Prints "<path>: <form>" per
        hit, exit 1 on any.

The state file (<probe>.board) layout is tools/sim/state.h: a 256-byte header, 1 MB of flash,
4 KB of UICR, then the modem's own store (which legitimately holds the
credentials and is not scanned).
"""
import base64
import glob
import hashlib
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


def ec_scalar(der):
    """The privateKey OCTET STRING of a SEC1 ECPrivateKey (RFC 5915 §3)."""
    i = der.find(b"\x02\x01\x01\x04")
    assert i > 0, "not a SEC1 EC private key"
    n = der[i + 4]
    return der[i + 5:i + 5 + n]


def stored_pem(hex_path):
    """The EC PRIVATE KEY block as a table carries it: the modem digests that."""
    from intelhex import IntelHex
    ih = IntelHex(hex_path)
    data = bytes(ih.tobinarray(start=ih.minaddr(), end=ih.maxaddr()))
    begin = data.find(b"-----BEGIN EC PRIVATE KEY-----")
    end = data.find(b"-----END EC PRIVATE KEY-----\n", begin)
    assert begin >= 0 and end > begin, "no EC PRIVATE KEY in " + hex_path
    return data[begin:end + len(b"-----END EC PRIVATE KEY-----\n")]


def all_forms(psk_hex, key_path, stored, texts):
    base = secrets(psk_hex, key_path)
    psk, der = base["PSK (binary)"], base["key (DER)"]
    scalar = ec_scalar(der)
    raw = dict(base)
    raw["PSK (base64)"] = base64.b64encode(psk)
    raw["key (PEM file)"] = open(key_path, "rb").read()
    raw["key (base64 DER)"] = base64.b64encode(der)
    raw["key (DER, hex lower)"] = der.hex().encode()
    raw["key (DER, hex upper)"] = der.hex().upper().encode()
    raw["key (scalar)"] = scalar
    raw["key (scalar, hex lower)"] = scalar.hex().encode()
    raw["key (scalar, hex upper)"] = scalar.hex().upper().encode()
    raw["key (scalar, base64)"] = base64.b64encode(scalar)
    if stored:
        raw["key (PEM as stored)"] = stored
    for i, t in enumerate(texts):
        raw["text %d" % (i + 1)] = t.encode()
    out = dict(raw)
    for name, value in raw.items():
        if "base64 line" in name:
            continue
        h = hashlib.sha256(value).hexdigest()
        out["SHA-256 of " + name] = h.encode()
        out["SHA-256 of " + name + " (upper)"] = h.upper().encode()
    return out


def files_under(paths):
    for p in paths:
        if not os.path.exists(p):
            yield p, None
        elif os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in names:
                    yield os.path.join(root, n), True
        else:
            yield p, True


def scan_files(forms, paths):
    hits = []
    for path, exists in files_under(paths):
        if exists is None:
            hits.append("%s: missing" % path)
            continue
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            blob = f.read()
        for name, s in forms.items():
            if s and s in blob:
                hits.append("%s: %s" % (path, name))
    return hits


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


def main_files(argv):
    psk_hex, key_path = argv[0], argv[1]
    rest = argv[2:]
    stored, texts = None, []
    while rest and rest[0] != "--":
        opt, val, rest = rest[0], rest[1], rest[2:]
        if opt == "--stored":
            stored = stored_pem(val)
        elif opt == "--text":
            texts.append(val)
        else:
            sys.exit("unknown option " + opt)
    hits = scan_files(all_forms(psk_hex, key_path, stored, texts), rest[1:])
    for h in hits:
        print(h)
    sys.exit(1 if hits else 0)


def main():
    if sys.argv[1] == "files":
        main_files(sys.argv[2:])
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

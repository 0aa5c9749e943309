#!/usr/bin/python3
"""Patch (or check) the nrfcred manifest CRC in an Intel HEX firmware image.

    manifest_crc.py IN.hex -o OUT.hex     write a copy with the CRC patched
    manifest_crc.py --check IN.hex        exit 0 if the CRC is right, 1 if not

The manifest (include/nrfcred/provision.h) is found by its 8-byte magic
"nRFcMAN1", which must occur exactly once; its crc32 field is its last word
(offset 40 in version 1, 44 bytes; offset 48 in version 2, 52 bytes) and the
CRC-32/IEEE of the bytes before it. Only the records holding those 4 bytes
change (data and record checksum). For builds whose link step cannot compute
the CRC: the NCS app (firmware/ncs) after `west build`. Standard library
only.
"""
import argparse
import struct
import sys
import zlib

MAGIC = b"nRFcMAN1"
SIZES = {1: 44, 2: 52}  # version -> size


def parse(lines):
    """Returns [(line_index, address, bytearray)] for data records."""
    recs = []
    upper = 0
    for i, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        if not line.startswith(":"):
            sys.exit("manifest_crc: line %d: not an Intel HEX record" % (i + 1))
        raw = bytes.fromhex(line[1:])
        if len(raw) < 5 or len(raw) != raw[0] + 5 or sum(raw) & 0xFF:
            sys.exit("manifest_crc: line %d: bad length or checksum" % (i + 1))
        n, addr, rtype = raw[0], (raw[1] << 8) | raw[2], raw[3]
        data = raw[4:4 + n]
        if rtype == 0:
            recs.append((i, upper + addr, bytearray(data)))
        elif rtype == 2:
            upper = ((data[0] << 8) | data[1]) << 4
        elif rtype == 4:
            upper = ((data[0] << 8) | data[1]) << 16
    return recs


def image(recs):
    mem = {}
    for _, addr, data in recs:
        for k, b in enumerate(data):
            mem[addr + k] = b
    return mem


def find_manifest(mem):
    hits = []
    addrs = sorted(mem)
    # contiguous runs
    start = None
    run = bytearray()
    prev = None
    runs = []
    for a in addrs:
        if prev is None or a != prev + 1:
            if run:
                runs.append((start, bytes(run)))
            start, run = a, bytearray()
        run.append(mem[a])
        prev = a
    if run:
        runs.append((start, bytes(run)))
    for base, data in runs:
        pos = data.find(MAGIC)
        while pos >= 0:
            hits.append(base + pos)
            pos = data.find(MAGIC, pos + 1)
    return hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("-o", "--output")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if not a.check and not a.output:
        ap.error("give -o OUT.hex or --check")
    lines = open(a.input).read().splitlines()
    recs = parse(lines)
    mem = image(recs)
    hits = find_manifest(mem)
    if len(hits) != 1:
        sys.exit("manifest_crc: the manifest magic occurs %d times (must be 1)" % len(hits))
    m = hits[0]
    try:
        version = mem[m + 8] | mem[m + 9] << 8
        size = SIZES.get(version)
        if size is None:
            sys.exit("manifest_crc: manifest at 0x%08x has version %d (this tool knows %s)"
                     % (m, version, ", ".join(str(v) for v in sorted(SIZES))))
        body = bytes(mem[m + k] for k in range(size))
    except KeyError:
        sys.exit("manifest_crc: manifest at 0x%08x is not fully in the image" % m)
    crc_off = size - 4
    want = zlib.crc32(body[:crc_off]) & 0xFFFFFFFF
    have = struct.unpack_from("<I", body, crc_off)[0]
    if a.check:
        print("manifest at 0x%08x: crc32 0x%08x, expected 0x%08x: %s"
              % (m, have, want, "ok" if have == want else "WRONG"))
        sys.exit(0 if have == want else 1)
    patch = struct.pack("<I", want)
    for idx, addr, data in recs:
        changed = False
        for k in range(4):
            a_k = m + crc_off + k
            if addr <= a_k < addr + len(data):
                data[a_k - addr] = patch[k]
                changed = True
        if changed:
            line = lines[idx].strip()
            raw = bytearray(bytes.fromhex(line[1:]))
            raw[4:4 + len(data)] = data
            raw[-1] = (-sum(raw[:-1])) & 0xFF
            lines[idx] = ":" + raw.hex().upper()
    with open(a.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("manifest at 0x%08x: crc32 0x%08x" % (m, want))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The built simulator provisioning firmware image (firmware/sim) as the host
sees it: one manifest (version 2, session mailbox) with a correct CRC, erased
table and result areas (no bytes of them in the hex), a mailbox in RAM, a
sane vector table, and the manifest CRC tool (firmware/tools/manifest_crc.py)
detecting and repairing a wrong CRC.

    test_firmware_image.py BUILD_ROOT SOURCE_ROOT
Prints one line per check and a final "N passed, M failed".
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

build, source = sys.argv[1], sys.argv[2]
hex_path = os.path.join(build, "firmware", "sim", "provisioner-sim.hex")
tool = os.path.join(source, "firmware", "tools", "manifest_crc.py")
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""))


def load(path):
    mem = {}
    upper = 0
    for line in open(path):
        raw = bytes.fromhex(line.strip()[1:])
        n, addr, t = raw[0], (raw[1] << 8) | raw[2], raw[3]
        if t == 0:
            for k in range(n):
                mem[upper + addr + k] = raw[4 + k]
        elif t == 4:
            upper = ((raw[4] << 8) | raw[5]) << 16
    return mem


mem = load(hex_path)
top = max(mem) + 1
flat = bytes(mem.get(a, 0xFF) for a in range(top))
check("manifest magic occurs exactly once", flat.count(b"nRFcMAN1") == 1,
      "%d times" % flat.count(b"nRFcMAN1"))
m = flat.find(b"nRFcMAN1")
ver, size, taddr, tmax, raddr, rmax, paddr, fwv, flags, mbox_addr, mbox_size, crc = \
    struct.unpack_from("<HHIIIIIIIIII", flat, m + 8)
check("manifest version 2, size 52", (ver, size) == (2, 52), "%d/%d" % (ver, size))
check("manifest CRC right (over [0, 48))", crc == zlib.crc32(flat[m:m + 48]) & 0xFFFFFFFF)
check("manifest flags: session + simulator build", flags == 3, "0x%08x" % flags)
check("session mailbox: 4 KB aligned, 8..64 KB, a multiple of 4 KB, in RAM",
      mbox_addr % 4096 == 0 and mbox_size % 4096 == 0 and 0x2000 <= mbox_size <= 0x10000 and
      0x20000000 <= mbox_addr and mbox_addr + mbox_size <= 0x20040000,
      "0x%08x+%d" % (mbox_addr, mbox_size))
check("progress word outside the mailbox",
      not (mbox_addr <= paddr < mbox_addr + mbox_size), "0x%08x" % paddr)
check("at least 8 KB of stack above the mailbox", mbox_addr + mbox_size + 0x2000 <= 0x20040000)
check("table and result areas page aligned and separate",
      taddr % 4096 == 0 and raddr % 4096 == 0 and (taddr + tmax <= raddr or raddr + rmax <= taddr))
check("result area holds 64 entries", rmax >= 72 + 44 * 64 + 4, "%d" % rmax)
check("no image bytes in the table or result area",
      not any(taddr <= a < taddr + tmax or raddr <= a < raddr + rmax for a in mem))
check("progress word in RAM", 0x20000000 <= paddr < 0x20040000, "0x%08x" % paddr)
sp, reset = struct.unpack_from("<II", flat, 0)
check("initial SP at the top of RAM", sp == 0x20040000, "0x%08x" % sp)
check("reset vector is Thumb code in the image", reset & 1 and (reset & ~1) in mem, "0x%08x" % reset)

r = subprocess.run([sys.executable, tool, "--check", hex_path], capture_output=True, text=True)
check("manifest_crc --check accepts the built image", r.returncode == 0, r.stdout + r.stderr)

with tempfile.TemporaryDirectory() as tmp:
    # Corrupt the CRC bytes in the hex text, then let the tool repair them.
    lines = open(hex_path).read().splitlines()
    crc_addr = m + 48
    bad = os.path.join(tmp, "bad.hex")
    upper = 0
    out = []
    for line in lines:
        raw = bytearray(bytes.fromhex(line[1:]))
        n, addr, t = raw[0], (raw[1] << 8) | raw[2], raw[3]
        if t == 4:
            upper = ((raw[4] << 8) | raw[5]) << 16
        if t == 0 and upper + addr <= crc_addr < upper + addr + n:
            raw[4 + crc_addr - upper - addr] ^= 0xFF
            raw[-1] = (-sum(raw[:-1])) & 0xFF
        out.append(":" + raw.hex().upper())
    open(bad, "w").write("\n".join(out) + "\n")
    r = subprocess.run([sys.executable, tool, "--check", bad], capture_output=True, text=True)
    check("manifest_crc --check rejects a wrong CRC", r.returncode == 1, r.stdout + r.stderr)
    fixed = os.path.join(tmp, "fixed.hex")
    r = subprocess.run([sys.executable, tool, bad, "-o", fixed], capture_output=True, text=True)
    check("manifest_crc repairs it", r.returncode == 0 and load(fixed) == mem, r.stdout + r.stderr)
    # A second copy of the manifest at 0x00010000 (the host would not know
    # which one to trust).
    def record(addr, t, data):
        raw = bytearray([len(data), (addr >> 8) & 0xFF, addr & 0xFF, t]) + data
        raw.append((-sum(raw)) & 0xFF)
        return ":" + raw.hex().upper()
    extra = [record(0, 4, bytearray([0x00, 0x01])), record(0, 0, bytearray(flat[m:m + 52])),
             record(0, 4, bytearray([0x00, 0x00]))]
    twice = os.path.join(tmp, "twice.hex")
    open(twice, "w").write("\n".join(lines[:-1] + extra + lines[-1:]) + "\n")
    r = subprocess.run([sys.executable, tool, "--check", twice], capture_output=True, text=True)
    check("manifest_crc refuses an image with two manifests", r.returncode != 0, r.stdout)
    # A version 1 manifest (44 bytes, CRC over [0, 40)), as older images and
    # hosts have it: the tool still checks and repairs it.
    v1 = bytearray(b"nRFcMAN1" + struct.pack("<HHIIIIIII", 1, 44, 0xF0000, 0x8000, 0xF8000,
                                             0x1000, 0x20000100, 0x10000, 0) + b"\0\0\0\0")
    v1_hex = os.path.join(tmp, "v1.hex")
    open(v1_hex, "w").write("\n".join([record(0x40, 0, v1), ":00000001FF"]) + "\n")
    r = subprocess.run([sys.executable, tool, "--check", v1_hex], capture_output=True, text=True)
    check("manifest_crc --check rejects a version 1 manifest with CRC 0", r.returncode == 1,
          r.stdout + r.stderr)
    v1_fixed = os.path.join(tmp, "v1-fixed.hex")
    r = subprocess.run([sys.executable, tool, v1_hex, "-o", v1_fixed], capture_output=True,
                       text=True)
    got = load(v1_fixed) if r.returncode == 0 else {}
    want = zlib.crc32(bytes(v1[:40])) & 0xFFFFFFFF
    check("manifest_crc patches a version 1 CRC at offset 40",
          r.returncode == 0 and bytes(got.get(0x40 + 40 + k, 0) for k in range(4)) ==
          struct.pack("<I", want), r.stdout + r.stderr)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)

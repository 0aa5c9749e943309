#!/usr/bin/python3
"""Post-link step of the simulator provisioning firmware.

    mkimage.py --objcopy OBJCOPY --size SIZE in.elf out.elf out.hex

1. Finds the .nrfcred_manifest section in the linked ELF, checks its magic,
   version and size (version 1: 44 bytes, version 2: 52 bytes with the
   session mailbox), and patches its CRC-32/IEEE over bytes [0, size - 4)
   -- the addresses in it are only known after linking, so C cannot compute
   it.
2. Writes the patched ELF, converts it to Intel HEX with objcopy.
3. Checks that the manifest magic occurs exactly once in the loaded image
   (provision.h: the host finds the manifest by searching for it).
4. Prints the manifest and the section sizes (arm-none-eabi-size).
Standard library only (runs with /usr/bin/python3).
"""
import argparse
import struct
import subprocess
import sys
import tempfile
import zlib

MAGIC = b"nRFcMAN1"
MANIFEST_SIZES = {1: 44, 2: 52}  # version -> size (include/nrfcred/provision.h)


def sections(elf):
    if elf[:4] != b"\x7fELF" or elf[4] != 1 or elf[5] != 1:
        sys.exit("mkimage: not a little-endian ELF32 file")
    shoff, = struct.unpack_from("<I", elf, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x2E)
    hdrs = [struct.unpack_from("<IIIIIIIIII", elf, shoff + i * shentsize) for i in range(shnum)]
    strtab = hdrs[shstrndx]
    for h in hdrs:
        name_off = strtab[4] + h[0]
        name = elf[name_off:elf.index(b"\0", name_off)].decode()
        yield name, h  # (name, type, flags, addr, offset, size, ...)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objcopy", required=True)
    ap.add_argument("--size", required=True)
    ap.add_argument("inp")
    ap.add_argument("out_elf")
    ap.add_argument("out_hex")
    a = ap.parse_args()

    elf = bytearray(open(a.inp, "rb").read())
    found = [h for name, h in sections(elf) if name == ".nrfcred_manifest"]
    if len(found) != 1:
        sys.exit("mkimage: expected one .nrfcred_manifest section")
    h = found[0]
    addr, off, size = h[3], h[4], h[5]
    if size < 12:
        sys.exit("mkimage: manifest section is %d bytes" % size)
    m = elf[off:off + size]
    if m[:8] != MAGIC:
        sys.exit("mkimage: manifest magic missing")
    version, msize = struct.unpack_from("<HH", m, 8)
    if MANIFEST_SIZES.get(version) != msize or size != msize:
        sys.exit("mkimage: unexpected manifest version/size %d/%d in a %d-byte section"
                 % (version, msize, size))
    taddr, tmax, raddr, rmax, paddr, fwv, flags = struct.unpack_from("<IIIIIII", m, 12)
    mbox_addr, mbox_size = struct.unpack_from("<II", m, 40) if version == 2 else (0, 0)
    crc = zlib.crc32(bytes(m[:msize - 4])) & 0xFFFFFFFF
    struct.pack_into("<I", elf, off + msize - 4, crc)
    with open(a.out_elf, "wb") as f:
        f.write(elf)

    subprocess.run([a.objcopy, "-O", "ihex", a.out_elf, a.out_hex], check=True)
    with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
        subprocess.run([a.objcopy, "-O", "binary", a.out_elf, tmp.name], check=True)
        image = open(tmp.name, "rb").read()
    if image.count(MAGIC) != 1:
        sys.exit("mkimage: the manifest magic occurs %d times in the image (must be 1)"
                 % image.count(MAGIC))

    print("provisioner-sim: manifest v%d at 0x%08x crc32 0x%08x; table 0x%08x (%d bytes), "
          "result 0x%08x (%d bytes), progress word 0x%08x, fw %d.%d.%d"
          % (version, addr, crc, taddr, tmax, raddr, rmax, paddr, fwv >> 16, (fwv >> 8) & 0xFF,
             fwv & 0xFF))
    if flags & 1:
        print("provisioner-sim: session mailbox 0x%08x (%d bytes)" % (mbox_addr, mbox_size))
    sys.stdout.flush()
    subprocess.run([a.size, a.out_elf], check=True)


if __name__ == "__main__":
    main()

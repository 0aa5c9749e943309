#!/usr/bin/python3
"""The reference job of issue 13's benchmark, written into DIR:

  refjob.py DIR PROVISIONER.hex [PROV_KB [APP_KB]]

- provisioner.hex: PROVISIONER.hex padded to PROV_KB (default 128) KB of flash
  bytes: one data segment from the image's end up to PROV_KB x 1024, filled
  with pseudo-random bytes (a real NCS provisioner, TF-M + the modem library,
  is ~100-150 KB; the padding stands for that code). The firmware never reads
  it, and it lies below the manifest's table and result areas (0xF0000), so
  the image behaves as before; only the flash to program grows.
- app.hex: APP_KB (default 256) KB at 0: a vector table whose reset handler
  is a WFI loop (so the released core sleeps instead of running noise), then
  pseudo-random bytes.
- ca.pem, client.pem, client.key: three test credentials of ~6 KB together
  (RSA-4096 CA, RSA-3072 client key and its certificate), made by openssl in
  DIR, never kept: they are benchmark data, not secrets of anyone.

Prints one line per file with its size. Same seed, same bytes on every run.
"""
import os
import random
import subprocess
import sys


def hex_records(base, data, rec=32):
    """Intel HEX data records (type 00) with type 04 records at each 64 KB."""
    out, upper = [], None
    for off in range(0, len(data), rec):
        addr = base + off
        if addr >> 16 != upper:
            upper = addr >> 16
            out.append(record(0, 4, upper.to_bytes(2, "big")))
        chunk = data[off:off + rec]
        # a record must not cross a 64 KB boundary
        room = 0x10000 - (addr & 0xFFFF)
        if len(chunk) > room:
            out.append(record(addr & 0xFFFF, 0, chunk[:room]))
            upper = (addr + room) >> 16
            out.append(record(0, 4, upper.to_bytes(2, "big")))
            out.append(record(0, 0, chunk[room:]))
        else:
            out.append(record(addr & 0xFFFF, 0, chunk))
    return out


def record(addr, kind, payload):
    b = bytes([len(payload), addr >> 8, addr & 0xFF, kind]) + payload
    return ":" + b.hex().upper() + f"{(-sum(b)) & 0xFF:02X}"


def image_end(lines):
    """One past the highest data byte of an Intel HEX text."""
    upper, end = 0, 0
    for line in lines:
        b = bytes.fromhex(line.strip()[1:])
        n, addr, kind = b[0], b[1] << 8 | b[2], b[3]
        if kind == 0:
            end = max(end, upper + addr + n)
        elif kind == 4:
            upper = (b[4] << 8 | b[5]) << 16
        elif kind == 2:
            upper = (b[4] << 8 | b[5]) << 4
    return end


def pad_provisioner(src, dst, total):
    lines = [x for x in open(src).read().splitlines() if x.strip()]
    body = [x for x in lines if not x.startswith(":00000001")]
    end = image_end(body)
    if end > total:
        sys.exit(f"refjob: {src} already holds {end} bytes, more than {total}")
    rnd = random.Random(13)
    pad = bytes(rnd.getrandbits(8) for _ in range(total - end))
    with open(dst, "w") as f:
        f.write("\n".join(body + hex_records(end, pad) + [":00000001FF"]) + "\n")
    return end


def app(dst, total):
    rnd = random.Random(256)
    # SP = top of RAM; reset = 0x09 (Thumb): at 0x08 `wfi; b 0x08`.
    head = (0x20040000).to_bytes(4, "little") + (0x09).to_bytes(4, "little")
    head += bytes.fromhex("30bffde7")
    data = head + bytes(rnd.getrandbits(8) for _ in range(total - len(head)))
    with open(dst, "w") as f:
        f.write("\n".join(hex_records(0, data) + [":00000001FF"]) + "\n")


def credentials(d):
    ossl = ["openssl"]
    subj = "/O=nrfcred benchmark/CN="

    def run(*args):
        subprocess.run(ossl + list(args), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    run("req", "-x509", "-newkey", "rsa:4096", "-nodes", "-keyout", f"{d}/ca.key",
        "-out", f"{d}/ca.pem", "-days", "30", "-subj", subj + "bench CA")
    run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072",
        "-out", f"{d}/client.key")
    run("req", "-new", "-key", f"{d}/client.key", "-out", f"{d}/client.csr",
        "-subj", subj + "bench client")
    run("x509", "-req", "-in", f"{d}/client.csr", "-CA", f"{d}/ca.pem", "-CAkey",
        f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/client.pem", "-days", "30")
    for f in ("ca.key", "client.csr", "ca.srl"):
        if os.path.exists(f"{d}/{f}"):
            os.unlink(f"{d}/{f}")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    d, src = argv[1], argv[2]
    prov_kb = int(argv[3]) if len(argv) > 3 else 128
    app_kb = int(argv[4]) if len(argv) > 4 else 256
    os.makedirs(d, exist_ok=True)
    end = pad_provisioner(src, f"{d}/provisioner.hex", prov_kb * 1024)
    app(f"{d}/app.hex", app_kb * 1024)
    if not all(os.path.exists(f"{d}/{f}") for f in ("ca.pem", "client.pem", "client.key")):
        credentials(d)
    creds = sum(os.path.getsize(f"{d}/{f}") for f in ("ca.pem", "client.pem", "client.key"))
    print(f"reference job: provisioner {end} B padded to {prov_kb} KB, app {app_kb} KB, "
          f"3 credentials {creds} B ({', '.join(f'{f} {os.path.getsize(os.path.join(d, f))}' for f in ('ca.pem', 'client.pem', 'client.key'))})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

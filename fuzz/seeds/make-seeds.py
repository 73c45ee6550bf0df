#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/seeds/<target>/ from the repository's fixtures.

Run from the repository root: python3 fuzz/seeds/make-seeds.py
Seeds are small (the whole set is well under 200 KB); the fuzzer grows its own corpus
under fuzz/corpus/ (not committed).
"""
import glob
import hashlib
import json
import os
import shutil
import struct

ROOT = os.getcwd()
OUT = os.path.join(ROOT, "fuzz", "seeds")
VECTORS = "tests/data/slip39-vectors.json"


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy(target, path, name=None):
    with open(path, "rb") as f:
        write(target, name or os.path.basename(path), f.read())


def read(path):
    with open(path, "rb") as f:
        return f.read()


for target in os.listdir(OUT) if os.path.isdir(OUT) else []:
    if os.path.isdir(os.path.join(OUT, target)):
        shutil.rmtree(os.path.join(OUT, target))

# script: every `keyrite check` golden input, and the ceremonies.
for p in sorted(glob.glob("tests/check/*.yaml")) + ["ceremonies/demo.yaml",
                                                    "ceremonies/demo-device.yaml",
                                                    "ceremonies/demo-recovery.yaml"]:
    copy("script", p)

# answers: the answers files (each matches one of the scripts the target loads).
for p in sorted(glob.glob("ceremonies/*.answers.yaml")) + sorted(glob.glob("tests/data/*.answers.yaml")):
    copy("answers", p, p.replace("/", "_"))

# share_words: mode byte 0 + the vectors' mnemonics, one per line; mode byte 1 + the
# word indices (without checksum) of a few valid shares.
words = read("src/slip39/wordlist.txt").decode().split()
index = {w: i for i, w in enumerate(words)}
vectors = json.loads(read(VECTORS))
for n, (desc, mnemonics, _secret, _xprv) in enumerate(vectors, 1):
    write("share_words", "vector-%02d" % n, b"\x00" + "\n".join(mnemonics).encode())
for n in (1, 4, 17, 34):
    if n > len(vectors):
        continue
    m = vectors[n - 1][1][0].split()
    idx = [index[w] for w in m][:-3]
    for mode in (1, 3, 7):
        write("share_words", "indices-%02d-mode%d" % (n, mode),
              bytes([mode]) + b"".join(struct.pack("<H", i) for i in idx))

# transcript: mode 0 (as is) and mode 1 (re-chained).
copy_t = read("tests/report/recovery-mismatch.jsonl")
write("transcript", "recovery-mismatch-raw", b"\x00" + copy_t)
write("transcript", "recovery-mismatch-rechained", b"\x01" + copy_t)
write("transcript", "demo-genesis-rechained", b"\x01" + read("tests/report/demo-genesis.jsonl"))
write("transcript", "demo-genesis-tampered-raw", b"\x00" + read("tests/report/demo-genesis-tampered.jsonl"))
write("transcript", "empty", b"\x00")

# cbor_reply: [read size, limit] + Jade's replies to the calls the target makes, in
# order: get_version_info, add_entropy, auth_user, get_xpub (fingerprint), get_xpub,
# sign_message, debug_set_mnemonic, ping. `??????` is the current request id.
def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)


def cbor(v):
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)
    if isinstance(v, bytes):
        return cbor_head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return cbor_head(3, len(b)) + b
    if isinstance(v, list):
        return cbor_head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return cbor_head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)


def reply(result):
    return cbor({"id": "??????", "result": result})


# BIP-32 test vector 1, m/0h.
XPUB = "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw"
SIG = "H" + "A" * 87
jade = b"".join([
    b"ESP-ROM:esp32\r\n",
    cbor({"log": "booting"}),
    reply({"JADE_VERSION": "1.0.30", "JADE_STATE": "READY", "BOARD_TYPE": "JADE_V2",
           "JADE_NETWORKS": "ALL", "EFUSEMAC": "AABBCCDDEEFF", "JADE_CONFIG": "BLE"}),
    reply(True),
    reply(True),
    reply(XPUB),
    reply(XPUB),
    reply(SIG),
    reply(True),
    cbor({"id": "00", "error": {"code": -32600, "message": "Invalid RPC Request message", "data": b""}}),
])
write("cbor_reply", "session-whole", b"\x3f\xff" + jade)
write("cbor_reply", "session-bytewise", b"\x00\xff" + jade)
write("cbor_reply", "session-small-limit", b"\x01\x04" + jade)
write("cbor_reply", "locked", b"\x3f\xff" + reply({"JADE_VERSION": "1.0.30", "JADE_STATE": "LOCKED"})
      + reply(True) + reply({"http_request": {"params": {"urls": []}, "on-reply": "pin"}}))
write("cbor_reply", "uninit", b"\x3f\xff" + reply({"JADE_VERSION": "1.0.30", "JADE_STATE": "UNINIT"})
      + cbor({"id": "??????", "error": {"code": -32000, "message": "no wallet"}}))

# specter_reply: [read size] + replies to fingerprint, xpub, signmessage, fingerprint.
specter = (b"MicroPython noise\r\n" + b"ACK\r\nb4c0d1e2\r\n" + b"ACK\r\n" + XPUB.encode() + b"\r\n"
           + b"ACK\r\n" + SIG.encode() + b"\r\n" + b"ACK\r\nerror: User cancelled\r\n")
write("specter_reply", "session-whole", b"\x3f" + specter)
write("specter_reply", "session-bytewise", b"\x00" + specter)

# openpgp_cert: the certificates `keyrite check` is tested with, and a secret key.
for p in sorted(glob.glob("tests/check/certs/*.asc")):
    copy("openpgp_cert", p)

# openpgp_sig: a transcript's real signature file, and that of a tampered copy.
copy("openpgp_sig", "tests/report/demo-genesis.jsonl.asc")
copy("openpgp_sig", "tests/report/demo-genesis-tampered.jsonl.asc")

# openpgp_message: the demo's encrypted shares (custodian-1's decrypts with the key the
# target holds).
for p in sorted(glob.glob("ceremonies/demo/shares/*.asc")):
    copy("openpgp_message", p)

total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(OUT, "*", "*")))
print("seeds: %d bytes" % total)

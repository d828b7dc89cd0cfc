#!/usr/bin/env python3
"""Writes an OCI image layout for the pull benchmark: busybox plus LAYERS
layers of about LAYER_MIB MiB each once gzipped, holding many files of data
that compresses like a typical image (about 2:1):
    make_big_image.py OUTDIR [--layers 3] [--layer-mib 34]"""

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import tarfile


def add_blob(blobs, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


def chunk_pool(rng, count=256, size=64 << 10):
    """Chunks of data that compress about 2.5:1 with gzip, like a typical
    layer (binaries and text). gzip's window is 32 KiB, so drawing whole
    64 KiB chunks from a pool does not make the stream compress better."""
    words = [bytes(rng.randrange(97, 123) for _ in range(rng.randrange(2, 8)))
             for _ in range(512)]
    pool = []
    for _ in range(count):
        out = bytearray()
        while len(out) < size:
            if rng.random() < 0.12:
                out += rng.randbytes(2048)
            else:
                out += b" ".join(rng.choices(words, k=300))
        pool.append(bytes(out[:size]))
    return pool


def file_like_data(size, rng, pool):
    chunks = rng.choices(pool, k=size // len(pool[0]) + 1)
    return b"".join(chunks)[:size]


def tar_layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in files:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--layer-mib", type=int, default=34)
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    blobs = os.path.join(args.out, "blobs", "sha256")
    os.makedirs(blobs)
    busybox = open(shutil.which("busybox"), "rb").read()
    layers, diff_ids = [], []
    rng = random.Random(int.from_bytes(os.urandom(8), "little"))
    pool = chunk_pool(rng)
    for i in range(args.layers):
        # Many files of mixed sizes, as in a real layer.
        files, left, n = [], (args.layer_mib << 20) * 2, 0
        while left > 0:
            size = min(left, rng.choice([4 << 10, 64 << 10, 512 << 10, 4 << 20]))
            files.append(("data/l%d/f%05d" % (i, n), file_like_data(size, rng, pool), 0o644))
            left -= size
            n += 1
        if i == 0:
            files.append(("bin/busybox", busybox, 0o755))
        raw = tar_layer(files)
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        digest, size = add_blob(blobs, gzip.compress(raw, compresslevel=6, mtime=0))
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": digest, "size": size})
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Cmd": ["/bin/busybox", "sh"], "Env": ["PATH=/bin"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cdigest, csize = add_blob(blobs, json.dumps(config).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": cdigest, "size": csize},
                "layers": layers}
    mdigest, msize = add_blob(blobs, json.dumps(manifest).encode())
    with open(os.path.join(args.out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
             "size": msize, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, f)
    total = sum(l["size"] for l in layers)
    print("%s %d" % (mdigest, total))


if __name__ == "__main__":
    main()

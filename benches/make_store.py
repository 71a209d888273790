"""Writes N small .npy files with numpy in DataJoint's schema-addressed layout (deterministic).

usage: python3 make_store.py N OUTDIR
"""
import os
import sys

import numpy as np

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
DTYPES = ["<f4", "<f8", "<i2", "<i8", "|u1", "<c8", "|b1", ">f8", "<U4", "<M8[ns]"]
ATTRIBUTES = ["waveform", "spike_times", "lfp_trace", "mask", "raw_frames"]


def main() -> None:
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = np.random.default_rng(0)
    for i in range(n):
        schema = ["ephys", "imaging"][i % 2]
        table = ["recording", "scan", "unit_waveform"][i % 3]
        attribute = ATTRIBUTES[i % len(ATTRIBUTES)]
        token = "".join(ALPHABET[j] for j in rng.integers(0, 64, 8))
        folder = os.path.join(out, "_schema", schema, table, f"subject_id={i // 100}", f"session={i % 100}")
        os.makedirs(folder, exist_ok=True)
        dtype = np.dtype(DTYPES[i % len(DTYPES)])
        shape = (1 + i % 50, 1 + i % 7)
        np.save(os.path.join(folder, f"{attribute}_{token}.npy"), np.zeros(shape, dtype=dtype))


if __name__ == "__main__":
    main()

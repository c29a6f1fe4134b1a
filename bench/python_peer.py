#!/usr/bin/env python3
"""The Python peer: the scoring job a data team would write themselves on Azure ML, for `npm run bench`.

    bench/.venv/bin/python bench/python_peer.py --data DIR --model MODEL_DIR --threads N --out DIR

For every Parquet file: pyarrow iter_batches (the 20 features and the id, one batch per 122,880-row row
group) -> numpy float32 matrix -> onnxruntime -> pyarrow ParquetWriter (id, prediction, probability,
model_version; snappy), one output file per input file. No drift statistics: a plain script would not
compute them (batch-score's activity does). --threads limits both onnxruntime (intra-op threads) and
pyarrow's CPU pool, so the peer gets the same cores as the worker it is compared with.

Prints one JSON line: rows, seconds (the scoring loop, without imports and session creation), rows_per_s,
cpu_seconds, peak_rss_mb.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 122_880  # the files' row-group size: one batch per row group, as batch-score reads them


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--model", type=Path, required=True, help="model folder (model.onnx, model.json)")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)

    contract = json.loads((a.model / "model.json").read_text())
    features: list[str] = contract["features"]
    id_columns: list[str] = contract["idColumns"]
    version: str = contract["version"]

    pa.set_cpu_count(a.threads)
    pa.set_io_thread_count(a.threads)
    options = ort.SessionOptions()
    options.intra_op_num_threads = a.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(a.model / contract["onnx"]["file"]), options, providers=["CPUExecutionProvider"])
    input_name = contract["input"]["name"]
    label_name = contract["output"]["prediction"]
    probability_name = contract["output"]["probabilities"]

    a.out.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [
            *[pa.field(c, pa.int64()) for c in id_columns],
            pa.field("prediction", pa.int64()),
            pa.field("probability", pa.float64()),
            pa.field("model_version", pa.string()),
        ]
    )
    rows = 0
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    for path in sorted(a.data.glob("*.parquet")):
        source = pq.ParquetFile(path)
        with pq.ParquetWriter(a.out / path.name, schema, compression="snappy") as writer:
            for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=id_columns + features):
                # Nulls become NaN, which the trees treat as missing.
                x = np.column_stack([batch.column(f).to_numpy(zero_copy_only=False) for f in features]).astype(np.float32)
                labels, probabilities = session.run([label_name, probability_name], {input_name: x})
                n = batch.num_rows
                out = pa.table(
                    {
                        **{c: batch.column(c) for c in id_columns},
                        "prediction": pa.array(labels, pa.int64()),
                        "probability": pa.array(probabilities[:, 1].astype(np.float64)),
                        "model_version": pa.repeat(pa.scalar(version), n),
                    },
                    schema=schema,
                )
                writer.write_table(out)
                rows += n
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "rows_per_s": rows / seconds,
                "cpu_seconds": time.process_time() - cpu0,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "threads": a.threads,
                "onnxruntime": ort.__version__,
                "pyarrow": pa.__version__,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

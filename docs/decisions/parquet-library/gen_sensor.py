# 1,000,000 rows: id int64, ts timestamp[ms], s00..s19 float64 (3 decimals); row groups of 122,880; snappy + zstd copies.
import numpy as np, pyarrow as pa, pyarrow.parquet as pq, sys, os
out = sys.argv[1] if len(sys.argv) > 1 else '.'
N = 1_000_000
rng = np.random.default_rng(42)
cols = {'id': pa.array(np.arange(N, dtype=np.int64)),
        'ts': pa.array((1_700_000_000_000 + np.arange(N, dtype=np.int64) * 1000).astype('datetime64[ms]'), type=pa.timestamp('ms'))}
for i in range(20):
    cols[f's{i:02d}'] = pa.array(np.round(rng.normal(50 + i, 10, N), 3))
t = pa.table(cols)
for codec in ('snappy', 'zstd'):
    pq.write_table(t, os.path.join(out, f'sensor_1m_{codec}.parquet'), compression=codec, row_group_size=122_880)
    print(codec, os.path.getsize(os.path.join(out, f'sensor_1m_{codec}.parquet')))

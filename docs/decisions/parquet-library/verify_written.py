# Verify a file written by bench_write.mjs with pyarrow: exact values recomputed from the same PRNG (IEEE double arithmetic, as in JS).
import sys, math, pyarrow.parquet as pq, numpy as np
f = sys.argv[1]; pf = pq.ParquetFile(f); t = pf.read(); N = t.num_rows
seed = 12345.0; pred = np.empty(N); prob = np.empty(N)
for i in range(N):
    seed = (seed * 1103515245.0 + 12345.0) % 2147483648.0; pred[i] = math.floor(seed / 2147483648 * 100000 + 0.5) / 1000  # JS Math.round == floor(x+0.5)
    seed = (seed * 1103515245.0 + 12345.0) % 2147483648.0; prob[i] = seed / 2147483648
ok = {
 'schema': str(t.schema).replace('\n', '; '),
 'row_groups': pf.metadata.num_row_groups,
 'id': t['id'].to_numpy().tolist() == list(range(N)),
 'probability': bool(np.array_equal(t['probability'].to_numpy(), prob)),
 'prediction': bool(np.array_equal(t['prediction'].to_numpy(), pred)),
 'model_version': t['model_version'].to_pylist()[:2] == ['rul-v1.4.3', 'rul-v1.4.2'] and t['model_version'].value_counts().to_pylist().__len__() == 2,
}
print(f.split('/')[-1], ok)

# Turn correctness.json / bench.json into the markdown tables used in parquet-library.md
import json, sys
LIBS = ['parquetjs-lite', '@dsnp/parquetjs', 'hyparquet', 'parquet-wasm', '@duckdb/node-api']
SYM = {'ok': 'OK', 'lossy': 'OK~', 'raw': 'RAW', 'wrong': '**WRONG**', 'error': 'err', 'crash': '**CRASH**', 'hang': '**HANG**', 'no-error': '**ACCEPTED**'}
c = json.load(open(sys.argv[1] if len(sys.argv) > 1 else 'correctness.json'))
print('| file | ' + ' | '.join(LIBS) + ' |'); print('|---|' + '---|' * len(LIBS))
for f, r in c.items():
    cells = []
    for l in LIBS:
        x = r[l]; s = SYM[x['status']]
        if x['status'] in ('wrong', 'raw', 'lossy'):
            bad = [k for k, v in x.get('columns', {}).items() if not v.startswith('ok') and not v.startswith(x['status'] if x['status'] != 'wrong' else 'zz')]
            if x['status'] == 'wrong': bad = [k for k, v in x.get('columns', {}).items() if v.startswith('wrong') or v == 'missing']
            s += ' (' + ', '.join(bad)[:40] + ')' if bad else ''
        cells.append(s)
    print(f'| {f} | ' + ' | '.join(cells) + ' |')

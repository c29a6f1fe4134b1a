# Dump each parquet-testing file to JSON with exact, canonical values (pyarrow = ground truth).
import pyarrow as pa, pyarrow.parquet as pq, glob, json, math, os, decimal, datetime
D=os.environ.get('PQ_TESTING', '/work/shared/datasets/parquet-testing')
TRUTH=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'truth')
os.makedirs(TRUTH, exist_ok=True)
MULT={'s':10**9,'ms':10**6,'us':10**3,'ns':1}
def intify(t):
    if pa.types.is_timestamp(t): return pa.int64()
    if pa.types.is_struct(t): return pa.struct([pa.field(f.name, intify(f.type), f.nullable) for f in t])
    if pa.types.is_list(t): return pa.list_(pa.field(t.value_field.name, intify(t.value_type), t.value_field.nullable))
    return t
def canon(v, t):
    if v is None: return None
    if pa.types.is_timestamp(t): return {'k':'ts_ns','v':str(v*MULT[t.unit]),'unit':t.unit}
    if pa.types.is_struct(t):
        return {t.field(i).name: canon(v[t.field(i).name], t.field(i).type) for i in range(t.num_fields)}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [canon(x, t.value_type) for x in v]
    if pa.types.is_boolean(t): return {'k':'bool','v':v}
    if pa.types.is_integer(t): return {'k':'int','v':str(v)}
    if pa.types.is_floating(t):
        return {'k':'float','v': 'NaN' if math.isnan(v) else repr(float(v))}
    if pa.types.is_string(t) or pa.types.is_large_string(t): return {'k':'str','v':v}
    if pa.types.is_binary(t) or pa.types.is_fixed_size_binary(t): return {'k':'bin','v':v.hex()}
    if pa.types.is_decimal(t): return {'k':'dec','v':str(v),'scale':t.scale}
    if pa.types.is_date(t): return {'k':'date','v':v.isoformat()}
    raise Exception('unhandled type %s' % t)
out={}
for f in sorted(glob.glob(D+'/data/*.parquet')+glob.glob(D+'/bad_data/*.parquet')):
    name=os.path.relpath(f,D)
    rec={'file':name}
    try:
        t=pq.read_table(f, coerce_int96_timestamp_unit='us')  # us avoids ns overflow for year 1-9999 INT96
        rec['num_rows']=t.num_rows
        cols={}
        for fld in t.schema:
            col=t.column(fld.name)
            cols[fld.name]=[canon(x, fld.type) for x in col.cast(intify(fld.type)).to_pylist()]
        rec['columns']=cols
    except Exception as e:
        rec['error']='%s: %s'%(type(e).__name__,e)
    try:
        pq.read_table(f, page_checksum_verification=True); rec['crc_ok']=True
    except Exception as e:
        rec['crc_error']=str(e)[:200]
    if name.endswith('int96_from_spark.parquet'):
        rec['skip_rows']=[5]; rec['skip_note']='row 5 is an out-of-range INT96 (Julian day far before year 1); pyarrow, DuckDB and hyparquet each decode it differently, so it is excluded'
    json.dump(rec, open(TRUTH+'/'+name.replace('/','__')+'.json','w'))
    print(name, rec.get('num_rows'), rec.get('error','')[:80], rec.get('crc_error','')[:80])

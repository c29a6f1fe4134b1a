/**
 * The fixed grid every quantile sketch counts on.
 *
 * A value x is placed by its distance from the reference's centre c in units of the reference's scale s,
 * z = (x - c) / s. Bucket boundaries sit at z = ±(e^u - 1) for u on a fixed ladder: steps of GRID_STEP
 * (0.01) up to u = 3 (|z| about 19 scales), steps of GRID_TAIL_STEP (0.08) beyond. Bucket k >= 0 holds
 * z in [e^(u_k) - 1, e^(u_{k+1}) - 1); bucket -k is its mirror image, z in [-(e^(u_k) - 1), -(e^(u_{k-1}) - 1)).
 * So near the centre a bucket is 0.01 s wide, farther out about 1% (then 8%) of the distance to the centre:
 * resolution where the data is, and any finite value, however huge, still has a bucket.
 *
 * Why a fixed grid and not t-digest or KLL: a bucket count is a plain sum, so shards merge exactly and in
 * any order (t-digest merges depend on order; KLL's compactions on the sequence of merges). The grid is
 * fixed by the reference profile, which every shard of a job reads, so every shard counts on the same
 * buckets. The price is a bound stated in value rather than in rank:
 *
 * Error bound: cumulative counts at bucket boundaries are exact. A quantile estimate lies in the bucket
 * that holds the true quantile (of rank ceil(q n)), so it is off by at most that bucket's width,
 * (e^0.01 - 1)(s + |x - c|) ≈ 0.01 (s + |x - c|) within 19 scales of the centre, 0.083 (s + |x - c|) beyond.
 *
 * The boundaries are computed once into a table and a value's bucket is found by comparing its z with
 * them, so the assignment is one definition everywhere (shards, profile, report), whatever shortcut finds
 * the candidate bucket.
 */
export const GRID_STEP = 0.01;
/** Buckets per side at GRID_STEP; beyond u = GRID_FINE_BUCKETS * GRID_STEP = 3 the tail step applies. */
export const GRID_FINE_BUCKETS = 300;
export const GRID_TAIL_STEP = 0.08;
const FINE_U = GRID_FINE_BUCKETS * GRID_STEP;
/** The largest bucket index either side: boundary u reaches log1p of the largest double. */
export const GRID_MAX_INDEX =
  GRID_FINE_BUCKETS + Math.ceil((Math.log1p(Number.MAX_VALUE) - FINE_U) / GRID_TAIL_STEP);

export interface Grid {
  center: number;
  /** Strictly positive and finite. */
  scale: number;
}

function ladderU(k: number): number {
  return k <= GRID_FINE_BUCKETS ? k * GRID_STEP : FINE_U + (k - GRID_FINE_BUCKETS) * GRID_TAIL_STEP;
}

/** z of the lower boundary of bucket k, for k in [-GRID_MAX_INDEX, GRID_MAX_INDEX + 1], at [k + OFFSET]. */
const OFFSET = GRID_MAX_INDEX;
const Z_LOWER = new Float64Array(2 * GRID_MAX_INDEX + 2);
for (let k = -GRID_MAX_INDEX; k <= GRID_MAX_INDEX + 1; k++) {
  // Bucket k >= 0 starts at e^(u_k) - 1; bucket -k (k >= 1) starts at -(e^(u_k) - 1).
  const magnitude = Math.min(Math.expm1(ladderU(Math.abs(k))), Number.MAX_VALUE);
  Z_LOWER[k + OFFSET] = k >= 0 ? magnitude : -magnitude;
}
Z_LOWER[0] = -Infinity; // the lowest bucket is open below, the highest open above
const Z_TOP = Infinity;

function lowerZ(k: number): number {
  return k > GRID_MAX_INDEX ? Z_TOP : Z_LOWER[k + OFFSET]!;
}

/**
 * A table over the fine region (|z| < e^3 - 1) in cells narrower than any bucket there, each holding the
 * bucket at the cell's left end: the candidate bucket of most values is one array read away.
 */
const FINE_Z = Math.expm1(FINE_U);
const CELLS_PER_UNIT = 128; // 1/128 < e^0.01 - 1, the narrowest bucket: a cell meets at most two buckets
const CELL_COUNT = Math.ceil(2 * FINE_Z * CELLS_PER_UNIT);
const CELL_BUCKET = new Int16Array(CELL_COUNT);
for (let t = 0; t < CELL_COUNT; t++) {
  const z = -FINE_Z + t / CELLS_PER_UNIT;
  CELL_BUCKET[t] = searchBucket(z, guessBucket(z));
}

/** The bucket of z by the boundary table: start from a guess, step until ZB[k] <= z < ZB[k+1]. */
function searchBucket(z: number, guess: number): number {
  let k = Math.max(-GRID_MAX_INDEX, Math.min(GRID_MAX_INDEX, guess));
  while (k > -GRID_MAX_INDEX && z < lowerZ(k)) k--;
  while (k < GRID_MAX_INDEX && z >= lowerZ(k + 1)) k++;
  return k;
}

/** A first guess from the ladder's formula, for z outside the table. */
function guessBucket(z: number): number {
  const u = Math.log1p(Math.abs(z));
  const k =
    u < FINE_U ? Math.floor(u / GRID_STEP) : GRID_FINE_BUCKETS + Math.floor((u - FINE_U) / GRID_TAIL_STEP);
  return z >= 0 ? k : -k - 1;
}

/** The bucket of z = (x - center) / scale. NaN is not a value and must not be passed. */
export function gridIndexOfZ(z: number): number {
  if (z > -FINE_Z && z < FINE_Z) {
    // The hot path: a cell meets at most two buckets, so one comparison settles it (a second catches a
    // value that rounding put in the neighbouring cell).
    // Written without branches: which way a value goes is a coin toss, and mispredicted branches were half
    // the cost of sketching a column (docs/performance.md). Z_LOWER ascends, so at most one term is 1.
    const k = CELL_BUCKET[Math.floor((z + FINE_Z) * CELLS_PER_UNIT)]!;
    return k + +(z >= Z_LOWER[k + 1 + OFFSET]!) - +(z < Z_LOWER[k + OFFSET]!);
  }
  return searchBucket(z, guessBucket(z));
}

/** The bucket of a finite value. */
export function gridIndex(grid: Grid, x: number): number {
  return gridIndexOfZ((x - grid.center) / grid.scale);
}

/**
 * Lower boundary of bucket k (upper boundary of bucket k - 1), in the column's units. The outermost
 * buckets are open-ended; their far boundary is reported as the largest double, so widths stay finite.
 */
export function gridBoundary(grid: Grid, k: number): number {
  const z = Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, lowerZ(k)));
  const x = grid.center + grid.scale * z;
  return Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, x));
}

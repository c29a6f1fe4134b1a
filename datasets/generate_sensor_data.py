#!/usr/bin/env python3
"""Generate large, realistic, deterministic AI4I-like, C-MAPSS-like or 20-sensor (sensor20) data as Parquet.

Examples (from the repo root):

    # 1 million AI4I-like rows in 4 files, 100k-row row groups, snappy
    .venv/bin/python datasets/generate_sensor_data.py --kind ai4i --rows 1000000 --files 4 \\
        --row-group-rows 100000 --codec snappy --out .data/ai4i-1m --seed 1

    # about 2 GB of C-MAPSS-like rows in 16 files, zstd
    .venv/bin/python datasets/generate_sensor_data.py --kind cmapss --gb 2 --files 16 \\
        --row-group-rows 250000 --codec zstd --out .data/cmapss-2gb --seed 7

The columns and Arrow types are those of the sample files written by make_samples.py
(datasets/ai4i2020/parquet, datasets/cmapss/parquet/train), so the sample models can score
the output. Values follow the real data: per-column means, spreads, rounding and the main
relationships (see datasets/README.md); missing values are injected at the same rates as
in the samples.

Memory stays bounded: rows are produced in fixed internal blocks and written file by file,
row group by row group. The generated rows depend only on --kind, --seed and the row index,
not on --files or --row-group-rows (each internal block of rows, or batch of C-MAPSS engine
units, has its own random stream derived from the seed).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.signal import lfilter

BLOCK_ROWS = 65_536  # internal generation block (AI4I); independent of the output layout

# Missing-value injection rates (same as make_samples.py). Each affected row gets exactly one
# missing cell; the three row sets are disjoint.
FLOAT_NULL_RATE = 0.01  # one float sensor -> null
FLOAT_NAN_RATE = 0.005  # one float sensor -> NaN (a real IEEE NaN, not null)
INT_NULL_RATE = 0.005  # one int sensor -> null (AI4I only; C-MAPSS has no int sensor column)

MS_PER_MINUTE = 60_000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000

# ---------------------------------------------------------------------------
# AI4I 2020-like data
# ---------------------------------------------------------------------------
AI4I_TIME_ORIGIN_MS = int(np.datetime64("2026-11-01T00:00:00", "ms").astype(np.int64))
AI4I_FLOAT_SENSORS = ["Air temperature [K]", "Process temperature [K]", "Torque [Nm]"]
AI4I_INT_SENSORS = ["Rotational speed [rpm]", "Tool wear [min]"]
AI4I_SCHEMA = pa.schema(
    [
        pa.field("UDI", pa.int64(), nullable=False),
        pa.field("Product ID", pa.string(), nullable=False),
        pa.field("Type", pa.string(), nullable=False),
        pa.field("Air temperature [K]", pa.float64()),
        pa.field("Process temperature [K]", pa.float64()),
        pa.field("Rotational speed [rpm]", pa.int64()),
        pa.field("Torque [Nm]", pa.float64()),
        pa.field("Tool wear [min]", pa.int64()),
        *[pa.field(c, pa.int64(), nullable=False) for c in ("Machine_failure", "TWF", "HDF", "PWF", "OSF", "RNF")],
        pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
    ]
)
# Parameters measured on the real AI4I 2020 data (10,000 rows):
TYPES = np.frombuffer(b"LMH", dtype=np.uint8)
TYPE_P = [0.6, 0.3, 0.1]  # 6000 / 2997 / 1003 rows
SERIAL_START = {ord("L"): 47181, ord("M"): 14860, ord("H"): 29424}  # serials count up per type
AIR_MEAN, AIR_STD, AIR_PHI = 300.0, 2.0, 0.9994  # random walk (lag-1 autocorrelation 0.9994)
# process = 310 K + 0.65 * (air - 300 K) + random walk (sd 0.71 K, lag-1 autocorrelation 0.9975):
# reproduces the real sd 1.48 K, corr(air, process) 0.88 and sd(process - air) 1.0 K.
PROC_MEAN, PROC_AIR_SLOPE, PROC_STD, PROC_PHI = 310.0, 0.65, 0.71, 0.9975
TORQUE_MEAN, TORQUE_STD, TORQUE_MIN = 40.0, 10.0, 3.8  # normal, no negative values (real min 3.8)
# Power (W) = torque * rpm * 2pi/60 is nearly linear in torque (corr 0.98):
# power ~ 2088.8 + 104.8 * torque + N(0, 60 + 4 * torque); rpm = power / (torque * 2pi/60).
POWER_A, POWER_B, POWER_NOISE_A, POWER_NOISE_B = 2088.8, 104.8, 60.0, 4.0
RPM_MIN, RPM_MAX = 1168, 2886
WEAR_STEPS, WEAR_P = np.array([2, 3, 5]), [0.6, 0.3, 0.1]  # minutes of wear added per process
TOOL_LIFE_MIN, TOOL_LIFE_MAX = 200, 240  # tool replaced (or fails) at a random wear in [200, 240]
TOOL_FAIL_P = 0.43  # 51 of 120 tool ends in the real data were failures (TWF)
HDF_DT, HDF_RPM = 8.6, 1380  # heat dissipation failure: process-air < 8.6 K and rpm < 1380
PWF_LOW, PWF_HIGH = 3500.0, 9000.0  # power failure: power (W) outside [3500, 9000]
OSF_LIMIT = {ord("L"): 11_000, ord("M"): 12_000, ord("H"): 13_000}  # overstrain: wear * torque (min Nm)
RNF_P = 0.001  # random failures


class Ai4iStream:
    """Produces AI4I-like rows block by block; state (random walks, tool wear) carries over."""

    def __init__(self, seed: int):
        self.seed = seed
        self.block = 0
        self.next_udi = 1
        self.air = 0.0  # AR(1) states (standardised)
        self.proc = 0.0
        self.wear = 0
        self.tool_end = None  # wear at which the current tool ends
        self.tool_fails = False
        self.serial = dict(SERIAL_START)
        self.buffer: dict[str, np.ndarray] | None = None
        self.first_block = True

    def _ar1(self, rng, n: int, phi: float, state: float) -> np.ndarray:
        e = rng.standard_normal(n) * math.sqrt(1 - phi * phi)
        if self.first_block:
            e[0] = rng.standard_normal()  # start from the stationary distribution
            y, _ = lfilter([1.0], [1.0, -phi], e, zi=[0.0])
        else:
            y, _ = lfilter([1.0], [1.0, -phi], e, zi=[phi * state])
        return y

    def _tool_wear(self, rng, n: int) -> tuple[np.ndarray, np.ndarray]:
        steps = rng.choice(WEAR_STEPS, size=n, p=WEAR_P)
        wear = np.empty(n, dtype=np.int64)
        twf = np.zeros(n, dtype=np.int64)
        i = 0
        while i < n:
            if self.tool_end is None:  # new tool: wear starts at 0
                self.tool_end = int(rng.integers(TOOL_LIFE_MIN, TOOL_LIFE_MAX + 1))
                self.tool_fails = bool(rng.random() < TOOL_FAIL_P)
                self.wear = 0
                wear[i] = 0
                i += 1
                continue
            # rows until the wear reaches the tool's end (at most ~120 rows per tool)
            window = min(n - i, 130)
            cum = self.wear + np.cumsum(steps[i : i + window])
            k = int(np.searchsorted(cum, self.tool_end, side="left"))
            if k >= window:  # block ends before the tool does
                wear[i : i + window] = cum
                self.wear = int(cum[-1])
                i += window
                continue
            wear[i : i + k + 1] = cum[: k + 1]
            if self.tool_fails:
                twf[i + k] = 1
            self.tool_end = None
            i += k + 1
        return wear, twf

    def _generate_block(self) -> dict[str, np.ndarray]:
        n = BLOCK_ROWS
        rng = np.random.default_rng([self.seed, 0xA141, self.block])
        types = rng.choice(TYPES, size=n, p=TYPE_P)
        serial = np.empty(n, dtype=np.int64)
        for t in TYPES:
            idx = np.flatnonzero(types == t)
            serial[idx] = self.serial[int(t)] + np.arange(len(idx))
            self.serial[int(t)] += len(idx)
        air_z = self._ar1(rng, n, AIR_PHI, self.air)
        proc_z = self._ar1(rng, n, PROC_PHI, self.proc)
        self.air, self.proc = float(air_z[-1]), float(proc_z[-1])
        self.first_block = False
        air = np.round(AIR_MEAN + AIR_STD * air_z, 1)
        proc = np.round(PROC_MEAN + PROC_AIR_SLOPE * (air - AIR_MEAN) + PROC_STD * proc_z, 1)
        torque = np.round(np.maximum(rng.normal(TORQUE_MEAN, TORQUE_STD, n), TORQUE_MIN), 1)
        power = POWER_A + POWER_B * torque + rng.normal(0.0, 1.0, n) * (POWER_NOISE_A + POWER_NOISE_B * torque)
        rpm = np.clip(np.round(power / (torque * (2 * np.pi / 60))), RPM_MIN, RPM_MAX).astype(np.int64)
        wear, twf = self._tool_wear(rng, n)

        power = torque * rpm * (2 * np.pi / 60)
        hdf = ((proc - air) < HDF_DT) & (rpm < HDF_RPM)
        pwf = (power < PWF_LOW) | (power > PWF_HIGH)
        limit = np.select([types == ord("L"), types == ord("M")], [OSF_LIMIT[ord("L")], OSF_LIMIT[ord("M")]], OSF_LIMIT[ord("H")])
        osf = wear * torque > limit
        rnf = rng.random(n) < RNF_P
        failure = (twf == 1) | hdf | pwf | osf | rnf

        udi = np.arange(self.next_udi, self.next_udi + n, dtype=np.int64)
        self.next_udi += n
        cols = {
            "UDI": udi,
            "types": types,
            "serial": serial % 100_000,
            "Air temperature [K]": air,
            "Process temperature [K]": proc,
            "Rotational speed [rpm]": rpm.astype(np.float64),  # float during generation: NaN marks null
            "Torque [Nm]": torque,
            "Tool wear [min]": wear.astype(np.float64),
            "Machine_failure": failure.astype(np.int64),
            "TWF": twf,
            "HDF": hdf.astype(np.int64),
            "PWF": pwf.astype(np.int64),
            "OSF": osf.astype(np.int64),
            "RNF": rnf.astype(np.int64),
            "timestamp": AI4I_TIME_ORIGIN_MS + udi * MS_PER_MINUTE,
        }
        cols.update(_missing_masks(rng, n, cols, AI4I_FLOAT_SENSORS, AI4I_INT_SENSORS))
        self.block += 1
        return cols

    def take(self, n: int) -> pa.Table:
        parts = []
        while n > 0:
            if self.buffer is None or len(self.buffer["UDI"]) == 0:
                self.buffer = self._generate_block()
            k = min(n, len(self.buffer["UDI"]))
            parts.append({c: v[:k] for c, v in self.buffer.items()})
            self.buffer = {c: v[k:] for c, v in self.buffer.items()}
            n -= k
        cols = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
        return _ai4i_table(cols)


def _fixed_width_strings(chars: np.ndarray) -> pa.Array:
    """uint8 matrix [n, width] -> Arrow string array (fast path for fixed-width ASCII)."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars).tobytes()))


def _ai4i_table(c: dict[str, np.ndarray]) -> pa.Table:
    n = len(c["UDI"])
    pid = np.empty((n, 6), dtype=np.uint8)
    pid[:, 0] = c["types"]
    s = c["serial"]
    for i in range(5):
        pid[:, 5 - i] = ord("0") + (s // 10**i) % 10
    arrays = {
        "UDI": pa.array(c["UDI"], pa.int64()),
        "Product ID": _fixed_width_strings(pid),
        "Type": _fixed_width_strings(c["types"].reshape(n, 1)),
    }
    for name in AI4I_FLOAT_SENSORS:
        arrays[name] = pa.array(c[name], pa.float64(), mask=c["null:" + name])
    for name in AI4I_INT_SENSORS:
        v = c[name]
        mask = c["null:" + name]
        arrays[name] = pa.array(np.where(mask, 0, v).astype(np.int64), pa.int64(), mask=mask)
    for name in ("Machine_failure", "TWF", "HDF", "PWF", "OSF", "RNF"):
        arrays[name] = pa.array(c[name], pa.int64())
    arrays["timestamp"] = pa.array(c["timestamp"], pa.timestamp("ms", tz="UTC"))
    return pa.Table.from_arrays([arrays[f.name] for f in AI4I_SCHEMA], schema=AI4I_SCHEMA)


def _missing_masks(rng, n: int, cols: dict, float_cols: list[str], int_cols: list[str]) -> dict[str, np.ndarray]:
    """Choose rows for null / NaN / int-null (disjoint), set NaNs in place, return null masks."""
    u = rng.random(n)
    pick_f = rng.integers(0, len(float_cols), size=n)
    pick_i = rng.integers(0, max(len(int_cols), 1), size=n)
    null_rows = u < FLOAT_NULL_RATE
    nan_rows = (u >= FLOAT_NULL_RATE) & (u < FLOAT_NULL_RATE + FLOAT_NAN_RATE)
    int_rows = (u >= FLOAT_NULL_RATE + FLOAT_NAN_RATE) & (u < FLOAT_NULL_RATE + FLOAT_NAN_RATE + INT_NULL_RATE)
    masks = {}
    for j, name in enumerate(float_cols):
        masks["null:" + name] = null_rows & (pick_f == j)
        nan = nan_rows & (pick_f == j)
        if nan.any():
            cols[name] = np.where(nan, np.nan, cols[name])
    for j, name in enumerate(int_cols):
        masks["null:" + name] = int_rows & (pick_i == j)
    return masks


# ---------------------------------------------------------------------------
# C-MAPSS FD001-like data
# ---------------------------------------------------------------------------
CMAPSS_TIME_ORIGIN_MS = int(np.datetime64("2026-01-01T00:00:00", "ms").astype(np.int64))
CMAPSS_SETTINGS = ["setting_1", "setting_2", "setting_3"]
CMAPSS_SENSORS = [f"sensor_{i}" for i in range(1, 22)]
CMAPSS_SCHEMA = pa.schema(
    [
        pa.field("unit", pa.int64(), nullable=False),
        pa.field("cycle", pa.int64(), nullable=False),
        *[pa.field(c, pa.float64(), nullable=False) for c in CMAPSS_SETTINGS],
        *[pa.field(c, pa.float64()) for c in CMAPSS_SENSORS],
        pa.field("RUL", pa.int64(), nullable=False),
        pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
    ]
)
# Engine life (cycles to failure): real FD001 train mean 204, sd 42, range 128..362.
LIFE_LOG_MEAN, LIFE_LOG_SD, LIFE_MIN, LIFE_MAX = math.log(200.0), 0.2, 128, 362
DEGRADATION_K = 5.0  # drift shape: (exp(k * cycle / life) - 1) / (exp(k) - 1)
# Fitted on the real FD001 train data: value = healthy + drift * shape(cycle/life)
#   + per-unit offset (sd unit_sd) + noise (sd noise_sd), rounded to `decimals`.
# name: (healthy, drift, noise_sd, unit_sd, decimals)
CMAPSS_SENSOR_MODEL = {
    "sensor_2": (642.412, 1.38872, 0.3762, 0.0, 2),
    "sensor_3": (1587.32, 16.5454, 4.686, 0.0, 2),
    "sensor_4": (1403.52, 27.9101, 5.968, 0.0, 2),
    "sensor_7": (553.882, -2.65534, 0.6259, 0.0, 2),
    "sensor_8": (2388.06, 0.1814, 0.0547, 0.0, 2),
    "sensor_9": (9056.3, 45.05, 8.283, 17.35, 2),  # unit-specific level (residual sd 19.2)
    "sensor_11": (47.3767, 0.848408, 0.1769, 0.0, 2),
    "sensor_12": (521.853, -2.26553, 0.5045, 0.0, 2),
    "sensor_13": (2388.06, 0.183746, 0.05567, 0.0, 2),
    "sensor_14": (8137.41, 31.7966, 7.948, 15.70, 2),  # unit-specific level (residual sd 17.6)
    "sensor_15": (8.42062, 0.111019, 0.02663, 0.0, 4),
    "sensor_17": (392.364, 4.35509, 1.14, 0.0, 0),
    "sensor_20": (38.9174, -0.521261, 0.1318, 0.0, 2),
    "sensor_21": (23.3508, -0.316236, 0.07922, 0.0, 4),
}
CMAPSS_CONSTANT = {  # constant in FD001 (sensor_6: 21.61, 2.0% of rows 21.60)
    "sensor_1": 518.67, "sensor_5": 14.62, "sensor_10": 1.3, "sensor_16": 0.03,
    "sensor_18": 2388.0, "sensor_19": 100.0,
}
SENSOR6_LOW_P = 0.0202
SETTING_SD = {"setting_1": 0.00219, "setting_2": 0.000293}  # ~N(0, sd), 4 decimals; setting_3 = 100.0


UNITS_PER_BATCH = 64  # engine units generated together (one random stream per batch)


class CmapssStream:
    """Produces C-MAPSS-like run-to-failure engine trajectories, in batches of whole units."""

    def __init__(self, seed: int):
        self.seed = seed
        self.batch = 0
        self.buffer: dict[str, np.ndarray] | None = None

    def _generate_units(self) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([self.seed, 0xC3A9, self.batch])
        first_unit = self.batch * UNITS_PER_BATCH + 1
        self.batch += 1
        k = UNITS_PER_BATCH
        lives = np.clip(np.round(rng.lognormal(LIFE_LOG_MEAN, LIFE_LOG_SD, k)), LIFE_MIN, LIFE_MAX).astype(np.int64)
        n = int(lives.sum())
        unit_idx = np.repeat(np.arange(k), lives)
        starts = np.cumsum(lives) - lives
        cycle = np.arange(n, dtype=np.int64) - np.repeat(starts, lives) + 1
        life = lives[unit_idx]
        shape = (np.exp(DEGRADATION_K * cycle / life) - 1) / (math.exp(DEGRADATION_K) - 1)
        unit = first_unit + unit_idx
        cols: dict[str, np.ndarray] = {"unit": unit.astype(np.int64), "cycle": cycle}
        for name, sd in SETTING_SD.items():
            cols[name] = np.round(rng.normal(0.0, sd, n), 4)
        cols["setting_3"] = np.full(n, 100.0)
        for name in CMAPSS_SENSORS:
            if name in CMAPSS_SENSOR_MODEL:
                healthy, drift, noise_sd, unit_sd, dec = CMAPSS_SENSOR_MODEL[name]
                level = healthy + (rng.normal(0.0, unit_sd, k)[unit_idx] if unit_sd else 0.0)
                cols[name] = np.round(level + drift * shape + rng.normal(0.0, noise_sd, n), dec)
            elif name == "sensor_6":
                cols[name] = np.where(rng.random(n) < SENSOR6_LOW_P, 21.60, 21.61)
            else:
                cols[name] = np.full(n, CMAPSS_CONSTANT[name])
        cols["RUL"] = life - cycle
        cols["timestamp"] = CMAPSS_TIME_ORIGIN_MS + unit * MS_PER_DAY + cycle * MS_PER_HOUR
        cols.update(_missing_masks(rng, n, cols, CMAPSS_SENSORS, []))
        return cols

    def take(self, n: int) -> pa.Table:
        parts = []
        while n > 0:
            if self.buffer is None or len(self.buffer["unit"]) == 0:
                self.buffer = self._generate_units()
            k = min(n, len(self.buffer["unit"]))
            parts.append({c: v[:k] for c, v in self.buffer.items()})
            self.buffer = {c: v[k:] for c, v in self.buffer.items()}
            n -= k
        c = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
        arrays = []
        for f in CMAPSS_SCHEMA:
            if f.name == "timestamp":
                arrays.append(pa.array(c[f.name], f.type))
            elif f.name in CMAPSS_SENSORS:
                arrays.append(pa.array(c[f.name], f.type, mask=c["null:" + f.name]))
            else:
                arrays.append(pa.array(c[f.name], f.type))
        return pa.Table.from_arrays(arrays, schema=CMAPSS_SCHEMA)


# ---------------------------------------------------------------------------
# 20-sensor industrial machine data (the benchmark's data; see bench/dataset.ts)
# ---------------------------------------------------------------------------
SENSOR20_TIME_ORIGIN_MS = int(np.datetime64("2027-01-01T00:00:00", "ms").astype(np.int64))
SENSOR20_MACHINES = 500  # rows cycle through this many machines, one reading per machine per second
# name: (mean, sd, lag-1 autocorrelation) of the part not derived from other sensors. Every value is
# rounded to 3 decimals, as a historian exports them; a row group of 122,880 rows then holds some
# 5,000-40,000 distinct values per column, so pyarrow keeps its default dictionary encoding.
SENSOR20_BASE = {
    "load_pct": (70.0, 12.0, 0.995),
    "temp_ambient_c": (24.0, 3.0, 0.9999),
    "humidity_pct": (45.0, 8.0, 0.9995),
    "voltage_v": (400.0, 3.0, 0.99),
    "speed_rpm": (1480.0, 6.0, 0.9),
    "pressure_inlet_bar": (4.5, 0.25, 0.995),
    "vibration_x_mm_s": (2.2, 0.6, 0.6),
    "vibration_y_mm_s": (2.0, 0.55, 0.6),
    "vibration_z_mm_s": (1.6, 0.45, 0.6),
    "acoustic_db": (78.0, 2.5, 0.8),
    "oil_quality_idx": (0.85, 0.05, 0.99995),
    "wear_um": (120.0, 40.0, 0.99999),
}
SENSOR20_COLUMNS = [
    "temp_bearing_c", "temp_motor_c", "temp_oil_c", "temp_coolant_c", "temp_ambient_c",
    "pressure_inlet_bar", "pressure_outlet_bar", "pressure_oil_bar", "flow_lpm",
    "vibration_x_mm_s", "vibration_y_mm_s", "vibration_z_mm_s",
    "current_a", "voltage_v", "power_kw", "speed_rpm", "torque_nm",
    "humidity_pct", "acoustic_db", "load_pct",
]
SENSOR20_SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("machine_id", pa.int32(), nullable=False),
        pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
        *[pa.field(c, pa.float64()) for c in SENSOR20_COLUMNS],
        pa.field("failure_24h", pa.int64(), nullable=False),
    ]
)


class Sensor20Stream:
    """Produces 20-sensor rows block by block; the slow random walks carry over between blocks."""

    def __init__(self, seed: int):
        self.seed = seed
        self.block = 0
        self.next_id = 1
        self.state = {name: 0.0 for name in SENSOR20_BASE}
        self.first_block = True
        self.buffer: dict[str, np.ndarray] | None = None

    def _ar1(self, rng, n: int, phi: float, name: str) -> np.ndarray:
        e = rng.standard_normal(n) * math.sqrt(1 - phi * phi)
        if self.first_block:
            e[0] = rng.standard_normal()
            y, _ = lfilter([1.0], [1.0, -phi], e, zi=[0.0])
        else:
            y, _ = lfilter([1.0], [1.0, -phi], e, zi=[phi * self.state[name]])
        self.state[name] = float(y[-1])
        return y

    def _generate_block(self) -> dict[str, np.ndarray]:
        n = BLOCK_ROWS
        rng = np.random.default_rng([self.seed, 0x5E20, self.block])
        z = {name: self._ar1(rng, n, phi, name) for name, (_, _, phi) in SENSOR20_BASE.items()}
        base = {name: mean + sd * z[name] for name, (mean, sd, _) in SENSOR20_BASE.items()}
        self.first_block = False
        noise = lambda sd: rng.normal(0.0, sd, n)  # noqa: E731
        load = np.clip(base["load_pct"], 5.0, 110.0)
        ambient = base["temp_ambient_c"]
        wear = np.maximum(base["wear_um"], 0.0)
        oil_quality = np.clip(base["oil_quality_idx"], 0.3, 1.0)
        c: dict[str, np.ndarray] = {}
        c["load_pct"] = load
        c["temp_ambient_c"] = ambient
        c["humidity_pct"] = np.clip(base["humidity_pct"], 5.0, 99.0)
        c["voltage_v"] = base["voltage_v"]
        c["speed_rpm"] = base["speed_rpm"] - 0.15 * (load - 70.0)
        c["current_a"] = 12.0 + 0.55 * load + noise(0.8)
        c["power_kw"] = np.sqrt(3.0) * c["voltage_v"] * c["current_a"] * 0.86 / 1000.0 + noise(0.3)
        c["torque_nm"] = c["power_kw"] * 1000.0 / (c["speed_rpm"] * 2 * np.pi / 60.0) + noise(1.5)
        c["pressure_inlet_bar"] = base["pressure_inlet_bar"]
        c["flow_lpm"] = 60.0 + 0.9 * load + noise(3.0)
        c["pressure_outlet_bar"] = c["pressure_inlet_bar"] + 0.08 * c["flow_lpm"] + noise(0.15)
        c["pressure_oil_bar"] = 2.2 + 1.5 * oil_quality - 0.002 * wear + noise(0.05)
        wear_vib = 1.0 + wear / 400.0
        c["vibration_x_mm_s"] = np.abs(base["vibration_x_mm_s"] * wear_vib)
        c["vibration_y_mm_s"] = np.abs(base["vibration_y_mm_s"] * wear_vib)
        c["vibration_z_mm_s"] = np.abs(base["vibration_z_mm_s"] * wear_vib)
        c["acoustic_db"] = base["acoustic_db"] + 2.0 * (c["vibration_x_mm_s"] - 2.2)
        c["temp_motor_c"] = ambient + 20.0 + 0.45 * load + noise(1.2)
        c["temp_oil_c"] = ambient + 15.0 + 0.25 * load + 6.0 * (1.0 - oil_quality) + noise(0.8)
        c["temp_bearing_c"] = (
            c["temp_oil_c"] + 5.0 + 0.9 * c["vibration_x_mm_s"] + 0.02 * wear + noise(1.0)
        )
        c["temp_coolant_c"] = ambient + 8.0 + 0.12 * load + noise(0.6)
        # Failure within 24 h: a logistic risk of bearing heat, vibration, oil pressure, overload and wear.
        risk = (
            -6.2
            + 0.35 * np.maximum(c["temp_bearing_c"] - 68.0, 0.0)
            + 0.9 * np.maximum(c["vibration_x_mm_s"] + c["vibration_y_mm_s"] - 5.5, 0.0)
            + 2.5 * np.maximum(2.9 - c["pressure_oil_bar"], 0.0)
            + 0.06 * np.maximum(load - 90.0, 0.0)
            + 0.008 * wear
        )
        failure = (rng.random(n) < 1.0 / (1.0 + np.exp(-risk))).astype(np.int64)
        cols = {name: np.round(c[name], 3) for name in SENSOR20_COLUMNS}
        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        cols["id"] = ids
        cols["machine_id"] = ((ids - 1) % SENSOR20_MACHINES + 1).astype(np.int32)
        cols["timestamp"] = SENSOR20_TIME_ORIGIN_MS + ((ids - 1) // SENSOR20_MACHINES) * 1000
        cols["failure_24h"] = failure
        cols.update(_missing_masks(rng, n, cols, SENSOR20_COLUMNS, []))
        self.block += 1
        return cols

    def take(self, n: int) -> pa.Table:
        parts = []
        while n > 0:
            if self.buffer is None or len(self.buffer["id"]) == 0:
                self.buffer = self._generate_block()
            k = min(n, len(self.buffer["id"]))
            parts.append({c: v[:k] for c, v in self.buffer.items()})
            self.buffer = {c: v[k:] for c, v in self.buffer.items()}
            n -= k
        c = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
        arrays = []
        for f in SENSOR20_SCHEMA:
            if f.name in SENSOR20_COLUMNS:
                arrays.append(pa.array(c[f.name], f.type, mask=c["null:" + f.name]))
            else:
                arrays.append(pa.array(c[f.name], f.type))
        return pa.Table.from_arrays(arrays, schema=SENSOR20_SCHEMA)


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------
def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kind", choices=["ai4i", "cmapss", "sensor20"], required=True)
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--rows", type=int, help="total number of rows")
    size.add_argument("--gb", type=float, help="approximate total size on disk in GB (10^9 bytes)")
    p.add_argument("--files", type=int, default=1, help="number of Parquet files (default 1)")
    p.add_argument("--row-group-rows", type=int, default=100_000, help="rows per row group (default 100000)")
    p.add_argument("--codec", default="snappy",
                   help="snappy, zstd, or a comma list used file by file in turn (e.g. snappy,zstd)")
    p.add_argument("--out", type=Path, required=True, help="output directory (created)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true", help="replace existing part-*.parquet files in --out")
    a = p.parse_args(argv)
    if a.rows is not None and a.rows < 1:
        p.error("--rows must be >= 1")
    if a.gb is not None and a.gb <= 0:
        p.error("--gb must be > 0")
    if a.files < 1 or a.row_group_rows < 1:
        p.error("--files and --row-group-rows must be >= 1")
    if a.rows is not None and a.files > a.rows:
        p.error("--files must not exceed --rows")
    a.codecs = a.codec.split(",")
    if not all(c in ("snappy", "zstd") for c in a.codecs):
        p.error("--codec takes snappy, zstd or a comma list of them")
    return a


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    out: Path = a.out
    out.mkdir(parents=True, exist_ok=True)
    existing = sorted(out.glob("part-*.parquet"))
    if existing and not a.overwrite:
        print(f"{out} already holds {len(existing)} part-*.parquet files; pass --overwrite", file=sys.stderr)
        return 2
    for f in existing:
        f.unlink()

    stream, schema = {
        "ai4i": (Ai4iStream, AI4I_SCHEMA),
        "cmapss": (CmapssStream, CMAPSS_SCHEMA),
        "sensor20": (Sensor20Stream, SENSOR20_SCHEMA),
    }[a.kind]
    stream = stream(a.seed)
    width = max(5, len(str(a.files - 1)))
    t0 = time.monotonic()
    total_rows = total_bytes = 0
    if a.rows is not None:
        per_file = [a.rows // a.files + (1 if i < a.rows % a.files else 0) for i in range(a.files)]
    else:
        target_per_file = a.gb * 1e9 / a.files

    for i in range(a.files):
        path = out / f"part-{i:0{width}d}.parquet"
        rows_in_file = 0
        with open(path, "wb") as sink:
            codec = a.codecs[i % len(a.codecs)]
            writer = pq.ParquetWriter(sink, schema, compression=codec)
            while True:
                if a.rows is not None:
                    n = min(a.row_group_rows, per_file[i] - rows_in_file)
                    if n <= 0:
                        break
                elif rows_in_file > 0 and sink.tell() >= target_per_file:
                    break
                else:
                    n = a.row_group_rows
                writer.write_table(stream.take(n), row_group_size=n)
                rows_in_file += n
            writer.close()
            size = sink.tell()
        total_rows += rows_in_file
        total_bytes += size
        print(f"{path}: {rows_in_file} rows, {math.ceil(rows_in_file / a.row_group_rows)} row groups, {codec}, {size / 1e6:.1f} MB",
              flush=True)
    dt = time.monotonic() - t0
    print(f"done: {total_rows} rows, {total_bytes / 1e9:.3f} GB in {a.files} files, {dt:.1f} s "
          f"({total_rows / max(dt, 1e-9) / 1e6:.2f} M rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

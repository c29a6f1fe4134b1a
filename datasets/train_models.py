#!/usr/bin/env python3
"""Train the sample gradient-boosting models, export them to ONNX and check ONNX against the framework.

Run after make_samples.py (paths are resolved from this file):

    .venv/bin/python datasets/train_models.py            # all models
    .venv/bin/python datasets/train_models.py hgb cmapss  # only some (names below)

Each model folder gets:
  model.onnx        the exported graph (input "input": float32 [N, n_features])
  expected.parquet  the TRAINING FRAMEWORK's own predictions (not onnxruntime's) on every
                    row of the sample Parquet files (rows with missing values included)
  training.json     framework/converter versions, params, features, split, metrics, opset,
                    and onnx_max_abs_diff (onnxruntime vs framework on the same rows)
  features.json     ordered feature columns + ONNX input/output names, types and shapes

Features are read from the Parquet samples with pyarrow and converted to a float32 matrix
(null -> NaN) before BOTH training and prediction: ONNX tree ensembles compare float32
inputs, so a model trained and evaluated on float32-rounded values sees exactly what the
ONNX graph sees.
"""
from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

# Fixed thread counts: keeps training reproducible on any machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import lightgbm  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxmltools  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import skl2onnx  # noqa: E402
import sklearn  # noqa: E402
import xgboost  # noqa: E402
from lightgbm import LGBMClassifier, LGBMRegressor  # noqa: E402
from onnxmltools.convert.common.data_types import FloatTensorType as MLFloatTensorType  # noqa: E402
from skl2onnx import to_onnx  # noqa: E402
from skl2onnx.common.data_types import FloatTensorType  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from xgboost import XGBClassifier  # noqa: E402

DATASETS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DATASETS_DIR.parent
AI4I_PARQUET = DATASETS_DIR / "ai4i2020" / "parquet"
CMAPSS_PARQUET = DATASETS_DIR / "cmapss" / "parquet"

SEED = 42
TEST_SIZE = 0.2
# Main ONNX opset and the ai.onnx.ml opset: ai.onnx.ml 3 is the TreeEnsembleClassifier /
# TreeEnsembleRegressor version that every onnxruntime since 1.10 (incl. onnxruntime-node) runs.
TARGET_OPSET = {"": 15, "ai.onnx.ml": 3}
INPUT_NAME = "input"
TOLERANCE = 1e-5

AI4I_FEATURES = [
    "Air temperature [K]",
    "Process temperature [K]",
    "Rotational speed [rpm]",
    "Torque [Nm]",
    "Tool wear [min]",
]
AI4I_TARGET = "Machine_failure"

# Multiclass task: failure mode. Priority for the 23 rows with more than one flag: the order
# of the columns in the dataset (TWF, HDF, PWF, OSF). The 9 failures with none of these four
# flags (and RNF-only rows are not failures) are excluded from training (ambiguous label).
FAILURE_MODES = ["TWF", "HDF", "PWF", "OSF"]
MULTICLASS_LABELS = {0: "no_failure", 1: "TWF", 2: "HDF", 3: "PWF", 4: "OSF"}

CMAPSS_SETTINGS = ["setting_1", "setting_2", "setting_3"]
# FD001 has one operating condition: sensors 1, 5, 10, 16, 18 and 19 are constant and
# sensor_6 takes two values (21.61, and 21.60 in 2% of rows); they carry no information and are
# dropped. setting_3 is constant too (100.0) but kept, as are setting_1/2, as the
# operating-condition inputs (the trees never split on setting_3).
CMAPSS_SENSORS = [f"sensor_{i}" for i in (2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21)]
CMAPSS_FEATURES = CMAPSS_SETTINGS + CMAPSS_SENSORS
CMAPSS_DROPPED = [f"sensor_{i}" for i in (1, 5, 6, 10, 16, 18, 19)]
RUL_CLIP = 125


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def read_parquet_dir(path: Path) -> pa.Table:
    files = sorted(path.glob("part-*.parquet"))
    if not files:
        raise SystemExit(f"no Parquet files in {path}; run datasets/make_samples.py first")
    return pa.concat_tables(pq.read_table(f) for f in files)


def feature_matrix(table: pa.Table, columns: list[str]) -> np.ndarray:
    """float32 [rows, features]; null -> NaN, NaN stays NaN, float64 rounded to nearest float32."""
    cols = []
    for c in columns:
        arr = table[c].to_numpy(zero_copy_only=False)  # nulls -> NaN (float64) for int and float columns
        cols.append(np.asarray(arr, dtype=np.float64).astype(np.float32))
    return np.ascontiguousarray(np.column_stack(cols), dtype=np.float32)


def load_ai4i() -> dict:
    t = read_parquet_dir(AI4I_PARQUET)
    udi = t["UDI"].to_numpy()
    assert len(udi) == 10_000 and (np.diff(udi) > 0).all(), "AI4I sample must hold 10,000 rows in UDI order"
    X = feature_matrix(t, AI4I_FEATURES)
    y = t[AI4I_TARGET].to_numpy().astype(np.int64)
    modes = np.column_stack([t[c].to_numpy() for c in FAILURE_MODES])
    mode = np.zeros(len(y), dtype=np.int64)
    has_mode = modes.any(axis=1)
    mode[has_mode] = modes[has_mode].argmax(axis=1) + 1  # first flag in column order
    mode[y == 0] = 0
    ambiguous = (y == 1) & ~has_mode
    idx = np.arange(len(y))
    train_idx, test_idx = train_test_split(idx, test_size=TEST_SIZE, stratify=y, random_state=SEED)
    return {
        "ids": {"UDI": udi.astype(np.int64)},
        "X": X,
        "y": y,
        "mode": mode,
        "ambiguous": ambiguous,
        "train_idx": np.sort(train_idx),
        "test_idx": np.sort(test_idx),
    }


def load_cmapss() -> dict:
    train = read_parquet_dir(CMAPSS_PARQUET / "train")
    test = read_parquet_dir(CMAPSS_PARQUET / "test")
    rul_train = train["RUL"].to_numpy().astype(np.int64)
    rul_test = test["RUL"].to_numpy(zero_copy_only=False)  # float64 with NaN where unknown
    unit_test = test["unit"].to_numpy()
    cycle_test = test["cycle"].to_numpy()
    last_cycle = np.zeros(len(unit_test), dtype=bool)
    last_cycle[:-1] = unit_test[:-1] != unit_test[1:]
    last_cycle[-1] = True
    return {
        "X_train": feature_matrix(train, CMAPSS_FEATURES),
        "y_train": np.minimum(rul_train, RUL_CLIP).astype(np.float64),
        "train_units": int(len(np.unique(train["unit"].to_numpy()))),
        "X_test": feature_matrix(test, CMAPSS_FEATURES),
        "rul_test": rul_test,
        "last_cycle": last_cycle,
        "ids": {"unit": unit_test.astype(np.int64), "cycle": cycle_test.astype(np.int64)},
        "test_units": int(len(np.unique(unit_test))),
    }


# ---------------------------------------------------------------------------
# ONNX helpers
# ---------------------------------------------------------------------------
def _type_info(t: onnx.TypeProto) -> dict:
    kind = t.WhichOneof("value")
    if kind == "tensor_type":
        elem = onnx.helper.tensor_dtype_to_np_dtype(t.tensor_type.elem_type).name
        dims = []
        for d in t.tensor_type.shape.dim:
            if d.HasField("dim_value"):
                dims.append(int(d.dim_value))
            elif d.HasField("dim_param"):
                dims.append(d.dim_param)
            else:
                dims.append(None)
        return {"kind": "tensor", "elem_type": elem, "shape": dims}
    if kind == "sequence_type":
        return {"kind": "sequence", "elem": _type_info(t.sequence_type.elem_type)}
    if kind == "map_type":
        key = onnx.helper.tensor_dtype_to_np_dtype(t.map_type.key_type).name
        return {"kind": "map", "key_type": key, "value": _type_info(t.map_type.value_type)}
    return {"kind": kind}


def _ort_type(t: onnx.TypeProto) -> str:
    kind = t.WhichOneof("value")
    if kind == "tensor_type":
        return f"tensor({onnx.helper.tensor_dtype_to_string(t.tensor_type.elem_type).split('.')[-1].lower()})"
    if kind == "sequence_type":
        return f"seq({_ort_type(t.sequence_type.elem_type)})"
    if kind == "map_type":
        key = onnx.helper.tensor_dtype_to_string(t.map_type.key_type).split(".")[-1].lower()
        return f"map({key},{_ort_type(t.map_type.value_type)})"
    return kind


def graph_io(model: onnx.ModelProto) -> dict:
    def io(values):
        return [{"name": v.name, "type": _ort_type(v.type), **_type_info(v.type)} for v in values]

    return {
        "inputs": io(model.graph.input),
        "outputs": io(model.graph.output),
        "opset": dict(sorted((o.domain or "ai.onnx", int(o.version)) for o in model.opset_import)),
        "ir_version": int(model.ir_version),
    }


def finalize_onnx(model: onnx.ModelProto, name: str, features: list[str], doc: str) -> onnx.ModelProto:
    model.graph.name = name
    set_batch_dim(model)
    # converters build opset_import from a set: sort it so the bytes do not depend on PYTHONHASHSEED
    opsets = sorted(((o.domain, o.version) for o in model.opset_import))
    del model.opset_import[:]
    for domain, version in opsets:
        model.opset_import.add(domain=domain, version=version)
    model.doc_string = doc
    del model.metadata_props[:]
    for k, v in (("features", json.dumps(features)), ("input_dtype", "float32"), ("missing_value", "NaN")):
        p = model.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(model)
    return model


ORT_THREADS = (1, 2, 4)  # onnxruntime sums float32 tree outputs in a thread-dependent order


def run_onnx(model: onnx.ModelProto, X: np.ndarray, threads: int = 1) -> dict[str, object]:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, {INPUT_NAME: X})))


def onnx_probabilities(out: dict, classes: list[int]) -> tuple[np.ndarray, np.ndarray, str, str]:
    """Return (labels, probabilities [N, C]) from label + probability outputs, ZipMap or not."""
    label_name = next(k for k in out if "label" in k)
    prob_name = next(k for k in out if "prob" in k)
    probs = out[prob_name]
    if isinstance(probs, list):  # ZipMap: list of {class: prob}
        probs = np.array([[row[c] for c in classes] for row in probs], dtype=np.float32)
    return np.asarray(out[label_name]), np.asarray(probs), label_name, prob_name


def split_values(model: onnx.ModelProto) -> dict[int, np.ndarray]:
    """Split thresholds of the (first) tree-ensemble node, as float32, grouped by feature index."""
    from onnx import numpy_helper

    node = next(n for n in model.graph.node if n.op_type.startswith("TreeEnsemble"))
    attrs = {a.name: a for a in node.attribute}
    if "nodes_values" in attrs:
        vals = np.array(attrs["nodes_values"].floats, dtype=np.float64)
    else:
        vals = numpy_helper.to_array(attrs["nodes_values_as_tensor"].t).astype(np.float64)
    feats = np.array(attrs["nodes_featureids"].ints)
    modes = list(attrs["nodes_modes"].strings)
    out: dict[int, list] = {}
    for v, f, m in zip(vals, feats, modes):
        if m != b"LEAF":
            out.setdefault(int(f), []).append(v)
    return {f: np.unique(np.array(v)) for f, v in out.items()}


def edge_case_check(model: onnx.ModelProto, X: np.ndarray, fw_scores, onnx_scores, n_rows: int = 4000) -> dict:
    """Score rows whose features sit exactly on / one float32 step around split thresholds, or are NaN.

    The sample data rarely hits a threshold exactly, so this is where float32/float64 threshold
    rounding differences between a framework and its ONNX export show up.
    """
    rng = np.random.default_rng(SEED)
    splits = split_values(model)
    feats = sorted(splits)
    base = X[rng.integers(0, len(X), size=n_rows)].copy()
    nan_rows = n_rows // 8
    for r in range(n_rows):
        f = feats[rng.integers(0, len(feats))]
        if r < nan_rows:
            base[r, f] = np.nan
            continue
        t = np.float32(splits[f][rng.integers(0, len(splits[f]))])
        step = rng.integers(-1, 2)
        if step < 0:
            t = np.nextafter(t, np.float32(-np.inf))
        elif step > 0:
            t = np.nextafter(t, np.float32(np.inf))
        base[r, f] = t
    fw_labels, fw_vals = fw_scores(base)
    ox_labels, ox_vals = onnx_scores(base)
    diff = np.abs(np.asarray(ox_vals, np.float64) - np.asarray(fw_vals, np.float64))
    diff = diff.reshape(len(base), -1).max(axis=1)
    res = {
        "rows": int(n_rows),
        "rows_with_a_nan": int(nan_rows),
        "max_abs_diff": float(diff.max()),
        "rows_over_tolerance": int((diff > TOLERANCE).sum()),
    }
    if fw_labels is not None:
        res["label_mismatches"] = int((np.asarray(fw_labels) != np.asarray(ox_labels)).sum())
    return res


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------
def write_expected(folder: Path, ids: dict[str, np.ndarray], columns: dict[str, np.ndarray]) -> None:
    arrays, fields = [], []
    for name, values in ids.items():
        arrays.append(pa.array(values, pa.int64()))
        fields.append(pa.field(name, pa.int64(), nullable=False))
    for name, values in columns.items():
        typ = pa.int64() if name == "label" else pa.float64()
        arrays.append(pa.array(np.asarray(values), typ))
        fields.append(pa.field(name, typ, nullable=False))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    pq.write_table(table, folder / "expected.parquet", compression="snappy")


def json_params(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, (str, int, float, bool)) or v is None:
            out[k] = v
        elif isinstance(v, (np.integer, np.floating)):
            out[k] = v.item()
        else:
            out[k] = repr(v)
    return out


def write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def save_model(folder: Path, model: onnx.ModelProto) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    data = model.SerializeToString()
    (folder / "model.onnx").write_bytes(data)
    return len(data)


# ---------------------------------------------------------------------------
# classifier workflow
# ---------------------------------------------------------------------------
def compare_classifier(name: str, fw_labels, fw_probs, onnx_model, X, classes, row_ids) -> dict:
    by_threads = {}
    for th in ORT_THREADS[1:]:
        lab, pr, _, _ = onnx_probabilities(run_onnx(onnx_model, X, th), classes)
        by_threads[th] = (float(np.abs(pr.astype(np.float64) - fw_probs).max()), int((lab != fw_labels).sum()))
    labels, probs, label_name, prob_name = onnx_probabilities(run_onnx(onnx_model, X, ORT_THREADS[0]), classes)
    if labels.dtype != np.int64:
        raise SystemExit(f"{name}: ONNX label output {label_name} is {labels.dtype}, expected int64")
    diff = np.abs(probs.astype(np.float64) - fw_probs)
    max_diff = float(diff.max())
    worst = int(np.unravel_index(diff.argmax(), diff.shape)[0])
    mism = np.flatnonzero(labels != fw_labels)
    over = np.flatnonzero(diff.max(axis=1) > TOLERANCE)
    by_threads[ORT_THREADS[0]] = (max_diff, int(len(mism)))
    res = {
        "onnx_max_abs_diff": max(v[0] for v in by_threads.values()),
        "onnx_max_abs_diff_by_intra_op_threads": {str(k): by_threads[k][0] for k in ORT_THREADS},
        "onnx_max_abs_diff_row": {k: int(v[worst]) for k, v in row_ids.items()},
        "onnx_rows_over_tolerance": int(len(over)),
        "onnx_label_mismatches": max(v[1] for v in by_threads.values()),
        "onnx_label_mismatch_rows": [{k: int(v[i]) for k, v in row_ids.items()} for i in mism[:20]],
        "tolerance": TOLERANCE,
    }
    status = "OK" if (res["onnx_max_abs_diff"] <= TOLERANCE and res["onnx_label_mismatches"] == 0) else "MISMATCH"
    print(
        f"  [{name}] onnx vs framework: max |prob diff| = {res['onnx_max_abs_diff']:.3g} "
        f"(by intra-op threads {res['onnx_max_abs_diff_by_intra_op_threads']}; 1 thread worst row "
        f"{res['onnx_max_abs_diff_row']}), rows > {TOLERANCE:g}: {len(over)}, "
        f"label mismatches: {res['onnx_label_mismatches']} -> {status}"
    )
    return res


def finish_classifier(
    *,
    folder_name: str,
    framework: str,
    framework_version: str,
    converter: str,
    converter_version: str,
    model_class: str,
    params: dict,
    onnx_model: onnx.ModelProto,
    fw_predict,
    fw_predict_proba,
    data: dict,
    target: str,
    y: np.ndarray,
    train_idx: np.ndarray,
    test_idx: np.ndarray,
    classes: list[int],
    class_names: dict | None,
    extra: dict,
    notes: list[str],
) -> dict:
    folder = DATASETS_DIR / "ai4i2020" / folder_name
    X = data["X"]
    fw_labels = np.asarray(fw_predict(X)).astype(np.int64)
    fw_probs = np.asarray(fw_predict_proba(X), dtype=np.float64)

    # metrics on the held-out split
    yt, pt, lt = y[test_idx], fw_probs[test_idx], fw_labels[test_idx]
    if len(classes) == 2:
        metrics = {
            "test_auc": float(roc_auc_score(yt, pt[:, 1])),
            "test_accuracy": float(accuracy_score(yt, lt)),
            "test_f1": float(f1_score(yt, lt)),
            "test_log_loss": float(log_loss(yt, pt, labels=classes)),
            "test_positive_rate": float(yt.mean()),
        }
    else:
        metrics = {
            "test_accuracy": float(accuracy_score(yt, lt)),
            "test_macro_f1": float(f1_score(yt, lt, average="macro", labels=classes)),
            "test_macro_f1_failure_modes_only": float(f1_score(yt, lt, average="macro", labels=classes[1:])),
            "test_log_loss": float(log_loss(yt, pt, labels=classes)),
            "test_f1_per_class": {
                str(c): float(v) for c, v in zip(classes, f1_score(yt, lt, average=None, labels=classes, zero_division=0))
            },
            "test_support_per_class": {str(c): int((yt == c).sum()) for c in classes},
        }
    onnx_model = finalize_onnx(onnx_model, folder_name, AI4I_FEATURES, f"batch-score sample model: {model_class} on AI4I 2020")
    size = save_model(folder, onnx_model)
    cmp = compare_classifier(folder_name, fw_labels, fw_probs, onnx_model, X, classes, data["ids"])

    def onnx_scores(Xe):
        lab, pr, _, _ = onnx_probabilities(run_onnx(onnx_model, Xe), classes)
        return lab, pr

    edge = edge_case_check(
        onnx_model, X,
        lambda Xe: (np.asarray(fw_predict(Xe)).astype(np.int64), np.asarray(fw_predict_proba(Xe), np.float64)),
        onnx_scores,
    )
    print(f"  [{folder_name}] edge-case rows (on/around split thresholds, NaN): {edge}")
    io = graph_io(onnx_model)

    write_expected(
        folder,
        data["ids"],
        {"label": fw_labels, **{f"probability_{c}": fw_probs[:, i] for i, c in enumerate(classes)}},
    )
    info = {
        "model": folder_name,
        "dataset": "AI4I 2020 sample (datasets/ai4i2020/parquet, 10,000 rows incl. injected missing values)",
        "task": "binary classification" if len(classes) == 2 else f"{len(classes)}-class classification",
        "framework": framework,
        "framework_version": framework_version,
        "model_class": model_class,
        "params": json_params(params),
        "converter": converter,
        "converter_version": converter_version,
        "onnx_version": onnx.__version__,
        "onnxruntime_version": ort.__version__,
        "onnx_opset": io["opset"],
        "onnx_ir_version": io["ir_version"],
        "model_size_bytes": size,
        "features": AI4I_FEATURES,
        "input_dtype": "float32 (null -> NaN)",
        "target": target,
        "classes": classes,
        "class_names": class_names,
        "split": {
            "method": "sklearn.model_selection.train_test_split, stratified on Machine_failure",
            "test_size": TEST_SIZE,
            "random_state": SEED,
            "train_rows": int(len(train_idx)),
            "test_rows": int(len(test_idx)),
        },
        "metrics": metrics,
        "expected": {
            "file": "expected.parquet",
            "rows": int(len(X)),
            "source": f"{framework} predict / predict_proba (not onnxruntime) on the float32 feature matrix",
            "columns": ["UDI", "label", *[f"probability_{c}" for c in classes]],
        },
        **cmp,
        "onnx_edge_case_check": edge,
        **extra,
        "notes": notes,
    }
    write_json(folder / "training.json", info)
    write_features(folder, AI4I_FEATURES, onnx_model, classes=classes, class_names=class_names, task=info["task"])
    print(f"  [{folder_name}] {metrics} size={size / 1024:.0f} KiB")
    return info


def write_features(folder: Path, features, onnx_model, *, classes=None, class_names=None, task=None) -> None:
    io = graph_io(onnx_model)
    obj = {
        "features": features,
        "task": task,
        "input_note": "one float32 tensor [N, len(features)], columns in this order; missing values as NaN",
        **io,
    }
    if classes is not None:
        obj["classes"] = classes
        obj["class_names"] = class_names
    write_json(folder / "features.json", obj)


def sk_initial_types(n: int):
    return [(INPUT_NAME, FloatTensorType([None, n]))]


def ml_initial_types(n: int):
    return [(INPUT_NAME, MLFloatTensorType([None, n]))]


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------
def train_hgb(d: dict) -> dict:
    params = dict(
        max_iter=100, learning_rate=0.1, max_depth=5, max_leaf_nodes=15, min_samples_leaf=20,
        l2_regularization=0.0, early_stopping=False, random_state=SEED,
    )
    m = HistGradientBoostingClassifier(**params).fit(d["X"][d["train_idx"]], d["y"][d["train_idx"]])
    onx = to_onnx(m, initial_types=sk_initial_types(len(AI4I_FEATURES)), target_opset=TARGET_OPSET,
                  options={id(m): {"zipmap": False}})
    onx, fix = exact_thresholds(onx, hgb_tree_specs(m), double_precision=False)
    return finish_classifier(
        folder_name="model", framework="scikit-learn", framework_version=sklearn.__version__,
        converter="skl2onnx", converter_version=skl2onnx.__version__,
        model_class="sklearn.ensemble.HistGradientBoostingClassifier", params=m.get_params(), onnx_model=onx,
        fw_predict=m.predict, fw_predict_proba=m.predict_proba, data=d, target=AI4I_TARGET, y=d["y"],
        train_idx=d["train_idx"], test_idx=d["test_idx"], classes=[0, 1], class_names={0: "no_failure", 1: "failure"},
        extra={"zipmap": False, "default_sample_model": True, "threshold_fix": fix},
        notes=[
            "Missing values (NaN) are handled natively by the trees (learned default direction).",
            "skl2onnx stores HistGradientBoosting's float64 split thresholds rounded to the nearest float32; "
            "train_models.py replaces each by the largest float32 <= the float64 threshold so that "
            "float32 inputs are routed exactly as in scikit-learn (see threshold_fix).",
        ],
    )


def train_gb_zipmap(d: dict) -> dict:
    gb_params = dict(n_estimators=100, learning_rate=0.1, max_depth=3, subsample=1.0, random_state=SEED)
    m = Pipeline([
        ("impute", SimpleImputer(strategy="median")),
        ("gb", GradientBoostingClassifier(**gb_params)),
    ]).fit(d["X"][d["train_idx"]], d["y"][d["train_idx"]])
    onx = to_onnx(m, initial_types=sk_initial_types(len(AI4I_FEATURES)), target_opset=TARGET_OPSET)
    medians = dict(zip(AI4I_FEATURES, m.named_steps["impute"].statistics_.tolist()))
    return finish_classifier(
        folder_name="model-sklearn-zipmap", framework="scikit-learn", framework_version=sklearn.__version__,
        converter="skl2onnx", converter_version=skl2onnx.__version__,
        model_class="sklearn.pipeline.Pipeline(SimpleImputer(median) -> GradientBoostingClassifier)",
        params={f"gb__{k}": v for k, v in m.named_steps["gb"].get_params().items()} | {"impute__strategy": "median"},
        onnx_model=onx, fw_predict=m.predict, fw_predict_proba=m.predict_proba, data=d, target=AI4I_TARGET, y=d["y"],
        train_idx=d["train_idx"], test_idx=d["test_idx"], classes=[0, 1], class_names={0: "no_failure", 1: "failure"},
        extra={"zipmap": True, "imputer_medians": medians},
        notes=[
            "GradientBoostingClassifier rejects NaN, so the pipeline starts with SimpleImputer(strategy='median') "
            "fitted on the training split; the ONNX graph contains the same Imputer node (NaN -> median).",
            "Exported with skl2onnx's default ZipMap: output_probability is seq(map(int64, float)).",
        ],
    )


def train_lightgbm(d: dict) -> dict:
    params = dict(
        n_estimators=100, learning_rate=0.1, num_leaves=15, max_depth=5, min_child_samples=20,
        subsample=1.0, colsample_bytree=1.0, random_state=SEED, n_jobs=1, deterministic=True,
        force_row_wise=True, verbose=-1,
    )
    m = LGBMClassifier(**params).fit(d["X"][d["train_idx"]], d["y"][d["train_idx"]])
    onx = onnxmltools.convert_lightgbm(m, initial_types=ml_initial_types(len(AI4I_FEATURES)),
                                       target_opset=TARGET_OPSET[""], zipmap=False)
    onx, fix = exact_thresholds(onx, lightgbm_tree_specs(m.booster_), double_precision=False)
    return finish_classifier(
        folder_name="model-lightgbm", framework="lightgbm", framework_version=lightgbm.__version__,
        converter="onnxmltools.convert_lightgbm", converter_version=onnxmltools.__version__,
        model_class="lightgbm.LGBMClassifier", params=m.get_params(), onnx_model=onx,
        fw_predict=m.predict, fw_predict_proba=m.predict_proba, data=d, target=AI4I_TARGET, y=d["y"],
        train_idx=d["train_idx"], test_idx=d["test_idx"], classes=[0, 1], class_names={0: "no_failure", 1: "failure"},
        extra={"zipmap": False, "threshold_fix": fix},
        notes=[
            "Missing values (NaN) are handled natively (missing_type=NaN, learned default direction).",
            "onnxmltools stores LightGBM's float64 split thresholds rounded to the nearest float32; "
            "train_models.py replaces each by the largest float32 <= the float64 threshold so that "
            "float32 inputs are routed exactly as in LightGBM (see threshold_fix).",
        ],
    )


def train_xgboost(d: dict) -> dict:
    params = dict(
        n_estimators=100, learning_rate=0.1, max_depth=4, min_child_weight=1.0, subsample=1.0,
        colsample_bytree=1.0, tree_method="hist", random_state=SEED, n_jobs=1, eval_metric="logloss",
    )
    m = XGBClassifier(**params).fit(d["X"][d["train_idx"]], d["y"][d["train_idx"]])
    onx = onnxmltools.convert_xgboost(m, initial_types=ml_initial_types(len(AI4I_FEATURES)),
                                      target_opset=TARGET_OPSET[""])
    return finish_classifier(
        folder_name="model-xgboost", framework="xgboost", framework_version=xgboost.__version__,
        converter="onnxmltools.convert_xgboost", converter_version=onnxmltools.__version__,
        model_class="xgboost.XGBClassifier", params=m.get_params(), onnx_model=onx,
        fw_predict=m.predict, fw_predict_proba=m.predict_proba, data=d, target=AI4I_TARGET, y=d["y"],
        train_idx=d["train_idx"], test_idx=d["test_idx"], classes=[0, 1], class_names={0: "no_failure", 1: "failure"},
        extra={"zipmap": False},
        notes=["Missing values (NaN) are handled natively (learned default direction)."],
    )


def train_multiclass(d: dict) -> dict:
    # l2_regularization keeps the leaves of the rare classes from becoming over-confident
    # (without it the test log-loss is ~0.46 instead of ~0.05).
    params = dict(
        max_iter=100, learning_rate=0.05, max_depth=3, max_leaf_nodes=8, min_samples_leaf=5,
        l2_regularization=1.0, early_stopping=False, random_state=SEED,
    )
    keep = ~d["ambiguous"]
    tr = d["train_idx"][keep[d["train_idx"]]]
    te = d["test_idx"][keep[d["test_idx"]]]
    m = HistGradientBoostingClassifier(**params).fit(d["X"][tr], d["mode"][tr])
    classes = [int(c) for c in m.classes_]
    onx = to_onnx(m, initial_types=sk_initial_types(len(AI4I_FEATURES)), target_opset=TARGET_OPSET,
                  options={id(m): {"zipmap": False}})
    onx, fix = exact_thresholds(onx, hgb_tree_specs(m), double_precision=False)
    counts = {MULTICLASS_LABELS[c]: int((d["mode"][keep] == c).sum()) for c in classes}
    return finish_classifier(
        folder_name="model-multiclass", framework="scikit-learn", framework_version=sklearn.__version__,
        converter="skl2onnx", converter_version=skl2onnx.__version__,
        model_class="sklearn.ensemble.HistGradientBoostingClassifier", params=m.get_params(), onnx_model=onx,
        fw_predict=m.predict, fw_predict_proba=m.predict_proba, data=d, target="failure_mode (derived)",
        y=d["mode"], train_idx=tr, test_idx=te, classes=classes, class_names={c: MULTICLASS_LABELS[c] for c in classes},
        extra={
            "zipmap": False,
            "target_definition": (
                "failure_mode = 0 if Machine_failure == 0, else 1 + index of the first set flag among "
                "TWF, HDF, PWF, OSF (in that order). RNF is not a class (random failures are not "
                "predictable from the sensors; RNF-only rows without Machine_failure are class 0)."
            ),
            "excluded_from_training_and_metrics": {
                "rule": "Machine_failure == 1 with none of TWF/HDF/PWF/OSF set (ambiguous label)",
                "UDI": d["ids"]["UDI"][d["ambiguous"]].tolist(),
                "note": "these rows are still scored in expected.parquet",
            },
            "class_counts": counts,
            "threshold_fix": fix,
        },
        notes=[
            "Missing values (NaN) are handled natively by the trees.",
            "skl2onnx stores HistGradientBoosting's float64 split thresholds rounded to the nearest float32; "
            "train_models.py replaces each by the largest float32 <= the float64 threshold so that "
            "float32 inputs are routed exactly as in scikit-learn (see threshold_fix).",
        ],
    )


def train_cmapss(_: dict | None = None) -> dict:
    d = load_cmapss()
    folder = DATASETS_DIR / "cmapss" / "model"
    params = dict(
        n_estimators=150, learning_rate=0.05, num_leaves=15, max_depth=5, min_child_samples=20,
        subsample=1.0, colsample_bytree=1.0, random_state=SEED, n_jobs=1, deterministic=True,
        force_row_wise=True, verbose=-1,
    )
    m = LGBMRegressor(**params).fit(d["X_train"], d["y_train"])
    onx = onnxmltools.convert_lightgbm(m, initial_types=ml_initial_types(len(CMAPSS_FEATURES)),
                                       target_opset=TARGET_OPSET[""])
    plain = run_onnx(onx, d["X_test"])
    plain_diff = float(np.abs(np.asarray(next(iter(plain.values())))[:, 0] - m.predict(d["X_test"])).max())
    onx, fix = exact_thresholds(onx, lightgbm_tree_specs(m.booster_), double_precision=True)
    fix["plain_float32_export_max_abs_diff"] = plain_diff
    onx = finalize_onnx(onx, "cmapss-model", CMAPSS_FEATURES, "batch-score sample model: LGBMRegressor RUL on C-MAPSS FD001")
    size = save_model(folder, onx)

    X = d["X_test"]
    pred = np.asarray(m.predict(X), dtype=np.float64)
    by_threads = {}
    for th in reversed(ORT_THREADS):
        out = run_onnx(onx, X, th)
        (oname,) = out.keys()
        opred = np.asarray(out[oname]).reshape(len(X), -1)
        diff = np.abs(opred[:, 0].astype(np.float64) - pred)
        by_threads[str(th)] = float(diff.max())
    worst = int(diff.argmax())  # diff of the 1-thread run
    max_diff = max(by_threads.values())
    # ONNX regressor output is float32, so the representable precision at RUL ~100 is ~8e-6.
    f32_rounding = float(np.abs(pred.astype(np.float32).astype(np.float64) - pred).max())
    print(
        f"  [cmapss/model] onnx vs framework: max |diff| = {max_diff:.3g} at unit={d['ids']['unit'][worst]} "
        f"cycle={d['ids']['cycle'][worst]} (float32 rounding of the framework output alone: {f32_rounding:.3g})"
    )

    edge = edge_case_check(
        onx, X,
        lambda Xe: (None, np.asarray(m.predict(Xe), np.float64)),
        lambda Xe: (None, np.asarray(run_onnx(onx, Xe)[oname]).reshape(len(Xe), -1)[:, 0]),
    )
    print(f"  [cmapss/model] edge-case rows (on/around split thresholds, NaN): {edge}")

    known = ~np.isnan(d["rul_test"])
    last = d["last_cycle"] & known
    true_last = d["rul_test"][last]
    rmse = lambda a, b: float(np.sqrt(np.mean((a - b) ** 2)))  # noqa: E731
    train_pred = m.predict(d["X_train"])
    metrics = {
        "test_rmse_last_cycle": rmse(pred[last], true_last),
        "test_rmse_last_cycle_clipped_truth": rmse(pred[last], np.minimum(true_last, RUL_CLIP)),
        "test_mae_last_cycle": float(mean_absolute_error(true_last, pred[last])),
        "test_rmse_all_rows_clipped_truth": rmse(pred[known], np.minimum(d["rul_test"][known], RUL_CLIP)),
        "train_rmse_clipped": rmse(train_pred, d["y_train"]),
        "test_units_scored": int(last.sum()),
    }
    write_expected(folder, d["ids"], {"prediction": pred})
    io = graph_io(onx)
    info = {
        "model": "cmapss/model",
        "dataset": "C-MAPSS FD001 sample (datasets/cmapss/parquet)",
        "task": "regression (remaining useful life, cycles)",
        "framework": "lightgbm",
        "framework_version": lightgbm.__version__,
        "model_class": "lightgbm.LGBMRegressor",
        "params": json_params(m.get_params()),
        "converter": "onnxmltools.convert_lightgbm",
        "converter_version": onnxmltools.__version__,
        "onnx_version": onnx.__version__,
        "onnxruntime_version": ort.__version__,
        "onnx_opset": io["opset"],
        "onnx_ir_version": io["ir_version"],
        "model_size_bytes": size,
        "features": CMAPSS_FEATURES,
        "dropped_columns": CMAPSS_DROPPED,
        "input_dtype": "float32",
        "target": f"RUL clipped at {RUL_CLIP} (min(RUL, {RUL_CLIP}))",
        "rul_clip": RUL_CLIP,
        "split": {
            "train": f"all rows of datasets/cmapss/parquet/train ({len(d['X_train'])} rows, {d['train_units']} units)",
            "test": (
                f"datasets/cmapss/parquet/test ({len(X)} rows, {d['test_units']} units); metrics use the units with a "
                "true RUL from RUL_FD001.txt (1-100)"
            ),
        },
        "metrics": metrics,
        "expected": {
            "file": "expected.parquet",
            "rows": int(len(X)),
            "source": "LGBMRegressor.predict (not onnxruntime) on the float32 feature matrix of the test set, in file order",
            "columns": ["unit", "cycle", "prediction"],
        },
        "onnx_max_abs_diff": max_diff,
        "onnx_max_abs_diff_by_intra_op_threads": dict(sorted(by_threads.items())),
        "onnx_max_abs_diff_row": {"unit": int(d["ids"]["unit"][worst]), "cycle": int(d["ids"]["cycle"][worst])},
        "onnx_rows_over_tolerance": int((diff > TOLERANCE).sum()),
        "tolerance": TOLERANCE,
        "float32_output_rounding": f32_rounding,
        "onnx_precision_fix": fix,
        "onnx_edge_case_check": edge,
        "notes": [
            f"RUL is clipped at {RUL_CLIP} cycles for training (piece-wise linear degradation target, "
            "as is usual for C-MAPSS in the literature).",
            "A plain float32 export (onnxmltools default) differs from LightGBM by up to ~1e-4 here: onnxruntime "
            "sums the 150 leaf values in float32 (around 100, one float32 step is 7.6e-6) and the result depends on "
            "its thread count. The exported graph therefore casts the float32 input to double and holds LightGBM's "
            "exact float64 thresholds and leaf values (ai.onnx.ml opset 3 *_as_tensor attributes), so routing and "
            "summation happen in float64 like LightGBM; the input is still float32 [N, 17].",
            "The ONNX output 'variable' is float32 (TreeEnsembleRegressor always outputs float), so it matches the "
            "float64 framework prediction to float32 precision only; see float32_output_rounding.",
        ],
    }
    write_json(folder / "training.json", info)
    write_features(folder, CMAPSS_FEATURES, onx, task=info["task"])
    print(f"  [cmapss/model] {metrics} size={size / 1024:.0f} KiB")
    return info


def _largest_float32_leq(x: float) -> float:
    f = np.float32(x)
    if float(f) > x:
        f = np.nextafter(f, np.float32(-np.inf))
    return float(f)


# LightGBM treats every input with |x| <= kZeroThreshold as exactly 0. kZeroThreshold is
# declared as `1e-35f`, i.e. the float32 nearest to 1e-35 (1.0000000180025095e-35).
LGBM_ZERO_THRESHOLD = float(np.float32(1e-35))


def lightgbm_tree_specs(booster) -> list[dict]:
    """Trees of a LightGBM booster as nested dicts {feature, threshold, left, right} / {leaf}.

    The threshold is the value t such that LightGBM sends a (float32) input x left iff x <= t,
    including LightGBM's rule that inputs with |x| <= kZeroThreshold (~1e-35) count as 0: a split
    at -kZeroThreshold (between negative values and zero) sends x left iff x < -kZeroThreshold.
    """
    dump = booster.dump_model()
    if dump.get("num_tree_per_iteration", 1) != 1:
        raise SystemExit("lightgbm_tree_specs handles binary classifiers and regressors only")

    def conv(n: dict) -> dict:
        if "split_index" not in n:
            return {"leaf": float(n["leaf_value"])}
        if n["decision_type"] != "<=":
            raise SystemExit(f"unsupported LightGBM decision type {n['decision_type']}")
        t = float(n["threshold"])
        if -LGBM_ZERO_THRESHOLD <= t < 0:
            t = float(np.nextafter(-LGBM_ZERO_THRESHOLD, -np.inf))
        elif 0 <= t < LGBM_ZERO_THRESHOLD:
            t = LGBM_ZERO_THRESHOLD
        return {"feature": int(n["split_feature"]), "threshold": t, "converter_threshold": float(n["threshold"]),
                "left": conv(n["left_child"]), "right": conv(n["right_child"])}

    return [conv(t["tree_structure"]) for t in dump["tree_info"]]


def hgb_tree_specs(est) -> list[dict]:
    """Trees of a fitted HistGradientBoosting* model, in skl2onnx's tree-id order
    (iteration * n_trees_per_iteration + class). HGB sends x left iff (double)x <= num_threshold."""

    def conv(nodes, i: int) -> dict:
        n = nodes[i]
        if n["is_leaf"]:
            return {"leaf": None}
        t = float(n["num_threshold"])
        return {"feature": int(n["feature_idx"]), "threshold": t, "converter_threshold": t,
                "left": conv(nodes, int(n["left"])), "right": conv(nodes, int(n["right"]))}

    return [conv(tree.nodes, 0) for it in est._predictors for tree in it]


def exact_thresholds(model: onnx.ModelProto, specs: list[dict], *, double_precision: bool) -> tuple[onnx.ModelProto, dict]:
    """Make the ONNX tree ensemble route every float32 input exactly like the framework.

    LightGBM and scikit-learn's HistGradientBoosting compare (double)x <= t with a float64
    threshold t. onnxmltools 1.16 and skl2onnx 1.20 (for HGB) store t rounded to the NEAREST
    float32, which lies above t for part of the thresholds, so a float32 input equal to that
    rounded value goes left in ONNX and right in the framework.

    double_precision=False: replace each threshold by the largest float32 <= t. For float32 x,
    x <= t  <=>  x <= that value, so the routing is exact; leaf values stay float32 and
    onnxruntime sums the trees in float32.
    double_precision=True: insert Cast(float -> double) before the tree node and store the
    exact float64 thresholds and leaf values (ai.onnx.ml opset 3 *_as_tensor attributes).
    onnxruntime then routes and sums in float64 like the framework; only the output is float32.

    The ONNX trees are matched to `specs` structurally (root -> left/right children), checking
    the split feature and the float32 value of every threshold (and leaf, where known).
    """
    model = onnx.ModelProto.FromString(model.SerializeToString())
    (node,) = [n for n in model.graph.node if n.op_type in ("TreeEnsembleRegressor", "TreeEnsembleClassifier")]
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    prefix = "target" if node.op_type == "TreeEnsembleRegressor" else "class"
    tids, nids = attrs["nodes_treeids"], attrs["nodes_nodeids"]
    feats, modes, vals = attrs["nodes_featureids"], attrs["nodes_modes"], attrs["nodes_values"]
    true_ids, false_ids = attrs["nodes_truenodeids"], attrs["nodes_falsenodeids"]
    index = {(t, n): i for i, (t, n) in enumerate(zip(tids, nids))}
    leaf_w: dict[tuple[int, int], list[int]] = {}
    for i, (t, n) in enumerate(zip(attrs[f"{prefix}_treeids"], attrs[f"{prefix}_nodeids"])):
        leaf_w.setdefault((t, n), []).append(i)
    weights = attrs[f"{prefix}_weights"]
    new_vals = [float(v) for v in vals]
    new_w = [float(w) for w in weights]
    stats = {"thresholds": 0, "rounded_up_by_converter": 0, "changed": 0, "leaves": 0}

    def walk(t: int, nid: int, spec: dict) -> None:
        i = index[(t, nid)]
        if "leaf" not in spec:
            if modes[i] != b"BRANCH_LEQ" or feats[i] != spec["feature"]:
                raise SystemExit(f"framework/ONNX tree mismatch at tree {t} node {nid}")
            if np.float32(spec["converter_threshold"]) != np.float32(vals[i]):
                raise SystemExit(f"threshold mismatch at tree {t} node {nid}: {spec['converter_threshold']} vs {vals[i]}")
            thr = spec["threshold"]
            stats["thresholds"] += 1
            stats["rounded_up_by_converter"] += int(float(np.float32(vals[i])) > spec["converter_threshold"])
            new_vals[i] = thr if double_precision else _largest_float32_leq(thr)
            stats["changed"] += int(np.float32(new_vals[i]) != np.float32(vals[i]))
            walk(t, true_ids[i], spec["left"])
            walk(t, false_ids[i], spec["right"])
        else:
            if modes[i] != b"LEAF":
                raise SystemExit(f"expected a leaf at tree {t} node {nid}")
            stats["leaves"] += 1
            if spec["leaf"] is None:
                if double_precision:
                    raise SystemExit("double precision needs the framework's leaf values")
                return
            for wi in leaf_w[(t, nid)]:
                if not np.isclose(np.float32(spec["leaf"]), np.float32(weights[wi]), rtol=1e-6, atol=0):
                    raise SystemExit(f"leaf value mismatch at tree {t} node {nid}")
                new_w[wi] = spec["leaf"]

    onnx_trees = sorted(set(tids))
    if onnx_trees != list(range(len(specs))):
        raise SystemExit(f"tree count mismatch: ONNX {len(onnx_trees)} vs framework {len(specs)}")
    for t in onnx_trees:
        in_tree = {n for tt, n in zip(tids, nids) if tt == t}
        children = {c for tt, m, a, b in zip(tids, modes, true_ids, false_ids) if tt == t and m != b"LEAF" for c in (a, b)}
        (root,) = in_tree - children
        walk(t, root, specs[t])

    base = attrs.get("base_values")
    drop = ("nodes_values", f"{prefix}_weights", "base_values", "nodes_hitrates")
    keep = [a for a in node.attribute if a.name not in drop]
    del node.attribute[:]
    node.attribute.extend(keep)
    if double_precision:
        from onnx import numpy_helper

        def tensor_attr(name, values):
            return onnx.helper.make_attribute(name, numpy_helper.from_array(np.array(values, np.float64)))

        node.attribute.append(tensor_attr("nodes_values_as_tensor", new_vals))
        node.attribute.append(tensor_attr(f"{prefix}_weights_as_tensor", new_w))
        if base is not None:
            node.attribute.append(tensor_attr("base_values_as_tensor", base))
        cast_out = f"{INPUT_NAME}_as_double"
        node.input[0] = cast_out
        cast = onnx.helper.make_node("Cast", [INPUT_NAME], [cast_out], to=onnx.TensorProto.DOUBLE, name="cast_input_to_double")
        nodes = [cast, *model.graph.node]
        del model.graph.node[:]
        model.graph.node.extend(nodes)
        for op in model.opset_import:
            if op.domain == "ai.onnx.ml":
                op.version = max(op.version, 3)
        model.ir_version = max(model.ir_version, 8)  # ai.onnx.ml opset 3 came with IR version 7+
        stats.pop("changed")  # every threshold is now the exact float64 value
        stats["precision"] = "float64 inside the graph (Cast input to double; *_as_tensor attributes, ai.onnx.ml opset 3)"
    else:
        node.attribute.append(onnx.helper.make_attribute("nodes_values", np.array(new_vals, np.float32).tolist()))
        node.attribute.append(onnx.helper.make_attribute(f"{prefix}_weights", np.array(new_w, np.float32).tolist()))
        if base is not None:
            node.attribute.append(onnx.helper.make_attribute("base_values", base))
        stats["precision"] = "float32 (each threshold = largest float32 <= the framework's float64 threshold)"
    return model, stats


def set_batch_dim(model: onnx.ModelProto) -> onnx.ModelProto:
    """Name the batch dimension "N" on every tensor input/output (some converters leave it
    unnamed, and onnxmltools' LightGBM classifier declares its label output as shape [1])."""
    for v in list(model.graph.input) + list(model.graph.output):
        if v.type.WhichOneof("value") != "tensor_type":
            continue
        shape = v.type.tensor_type.shape
        if len(shape.dim) == 0:
            continue
        d0 = shape.dim[0]
        d0.Clear()
        d0.dim_param = "N"
    return model


MODELS = {
    "hgb": train_hgb,
    "zipmap": train_gb_zipmap,
    "lightgbm": train_lightgbm,
    "xgboost": train_xgboost,
    "multiclass": train_multiclass,
    "cmapss": train_cmapss,
}


def main(argv: list[str]) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    # LightGBM's sklearn wrapper records generic feature names even for numpy input.
    warnings.filterwarnings("ignore", message="X does not have valid feature names")
    # XGBoost returns float32 probabilities whose float64 sum is not exactly 1.
    warnings.filterwarnings("ignore", message="The y_prob values do not sum to one")
    names = argv or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise SystemExit(f"unknown model(s) {unknown}; choose from {list(MODELS)}")
    ai4i = load_ai4i() if any(n != "cmapss" for n in names) else None
    results = {}
    for n in names:
        print(f"training {n} ...")
        results[n] = MODELS[n](ai4i)
    bad = [n for n, r in results.items() if r["onnx_max_abs_diff"] > TOLERANCE or r.get("onnx_label_mismatches", 0)]
    if bad:
        print(f"ONNX does not match the framework within {TOLERANCE:g} for: {bad}", file=sys.stderr)
        return 1
    print("all models: ONNX matches the framework")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Start a batch-score job from Python, follow its progress and wait for its result.

batch-score's workers are written in TypeScript, but a job is just a Temporal workflow named "scoreJob"
that takes one JSON object, so any Temporal SDK can start one. This file needs only `temporalio`
(see requirements.txt). Copy it, or import its functions:

    client = await connect("localhost:7233", namespace="default")
    spec = {"input": "data/", "model": "models/ai4i", "output": "runs/2026-11-01"}
    handle = await start_job(client, spec, job_id="nightly-2026-11-01")
    print(await job_progress(client, handle))
    summary = await wait_for_result(client, handle, on_progress=print)

Or run it:

    python score_job.py --spec '{"input": "data/", "model": "models/ai4i", "output": "runs/today"}'

It prints one JSON object per line on stdout: "started", then "progress" every few seconds, then
"result" (the job summary) or "failed" (with the error type and, for a bad spec, every bad field).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from typing import Any, Callable

from temporalio.client import Client, WorkflowFailureError, WorkflowHandle, WorkflowQueryFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.envconfig import ClientConfig
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

WORKFLOW_TYPE = "scoreJob"
DEFAULT_TASK_QUEUE = "batch-score"


async def start_job(
    client: Client,
    spec: dict[str, Any],
    *,
    job_id: str | None = None,
    task_queue: str = DEFAULT_TASK_QUEUE,
) -> WorkflowHandle[Any, Any]:
    """Starts a job, or returns the job that already has this id.

    The policies match batch-score's own SDK and CLI, so a job id is safe to retry: an id that is running
    or finished returns that run; only an id whose last run failed or was cancelled starts a new one (which
    reuses every part already written).
    """
    job_id = job_id or f"score-py-{uuid.uuid4()}"
    try:
        return await client.start_workflow(
            WORKFLOW_TYPE,
            spec,
            id=job_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,  # A running job is returned as is.
            # The line the Web UI shows as the job's summary, worded as batch-score's own SDK words it.
            static_summary=f"score {spec.get('input')} with {spec.get('model')} into {spec.get('output')}",
        )
    except WorkflowAlreadyStartedError:
        # The id's last run finished (completed or partial): that run is the job.
        run_id = (await client.get_workflow_handle(job_id).describe()).run_id
        return client.get_workflow_handle(job_id, run_id=run_id)


async def job_progress(client: Client, handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    """The job's "progress" query: phase, shards and rows planned/done/failed/running, paused, concurrency.

    The job's counts include what its running partitions (child workflows) last reported, a few seconds
    old at most; each running partition is asked for its exact counts, which replace its report.
    """
    progress: dict[str, Any] = await handle.query("progress")
    for reported in progress.pop("partitions", []):
        try:
            exact = await client.get_workflow_handle(reported["workflowId"]).query("partitionProgress")
        except (WorkflowQueryFailedError, RPCError):
            continue  # The partition finished between the two queries; the job's report stands.
        for key in ("shardsDone", "shardsFailed", "shardsRunning", "rowsScored"):
            progress[key] += exact[key] - reported[key]
    return progress


async def wait_for_result(
    client: Client,
    handle: WorkflowHandle[Any, Any],
    *,
    progress_every_seconds: float = 5.0,
    on_progress: Callable[[dict[str, Any]], None] = lambda _: None,
) -> dict[str, Any]:
    """Waits for the job summary, reporting progress meanwhile and once more at the end.

    Raises temporalio.client.WorkflowFailureError when the job fails; see `describe_failure`.
    """
    result = asyncio.ensure_future(handle.result())
    while not result.done():
        try:
            on_progress(await job_progress(client, handle))
        except (WorkflowQueryFailedError, RPCError):
            # A job that failed at once (a bad spec) never answers the query; its result says why.
            await asyncio.wait({result}, timeout=progress_every_seconds)
            if not result.done():
                raise
        await asyncio.wait({result}, timeout=progress_every_seconds)
    summary = result.result()  # Raises WorkflowFailureError if the job failed.
    on_progress(await job_progress(client, handle))
    return summary


def describe_failure(error: WorkflowFailureError) -> dict[str, Any]:
    """The error type and message of a failed job; a bad spec also lists every bad field in "issues"."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        failure: dict[str, Any] = {"type": cause.type, "message": cause.message}
        if cause.type == "InvalidJobSpecError" and cause.details:
            failure["issues"] = cause.details[0]
        return failure
    return {"type": type(cause).__name__, "message": str(cause)}


async def connect(address: str | None = None, namespace: str | None = None) -> Client:
    """A client configured like the Temporal CLI: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
    TEMPORAL_TLS*, or a profile in temporal.toml; `address` and `namespace` override them."""
    config = ClientConfig.load_client_connect_config()
    if address:
        config["target_host"] = address
    if namespace:
        config["namespace"] = namespace
    config.setdefault("target_host", "localhost:7233")
    return await Client.connect(**config)


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


async def main(argv: list[str]) -> int:
    args = parse_args(argv)
    spec: dict[str, Any] = json.loads(args.spec) if args.spec else {}
    for key in ("input", "model", "output"):
        if getattr(args, key) is not None:
            spec[key] = getattr(args, key)

    client = await connect(args.address, args.namespace)
    handle = await start_job(client, spec, job_id=args.job_id, task_queue=args.task_queue)
    emit("started", jobId=handle.id, runId=handle.result_run_id)
    try:
        summary = await wait_for_result(
            client,
            handle,
            progress_every_seconds=args.progress_every,
            on_progress=lambda progress: emit("progress", progress=progress),
        )
    except WorkflowFailureError as error:
        failure = describe_failure(error)
        emit("failed", jobId=handle.id, **failure)
        print(f"job {handle.id} failed: {failure['type']}: {failure['message']}", file=sys.stderr)
        return 1
    emit("result", summary=summary)
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Start a batch-score job and wait for its result.")
    parser.add_argument(
        "--spec",
        help='the job spec as JSON, e.g. \'{"input": "data/", "model": "models/m", "output": "out/"}\'',
    )
    parser.add_argument("--input", help="Parquet file, folder or glob (sets spec.input)")
    parser.add_argument("--model", help="model folder with model.json and model.onnx (sets spec.model)")
    parser.add_argument("--output", help="output folder (sets spec.output)")
    parser.add_argument("--job-id", help="job id; repeat it to get the same job (default: a new id)")
    parser.add_argument(
        "--address", help="Temporal frontend host:port (default TEMPORAL_ADDRESS or localhost:7233)"
    )
    parser.add_argument("--namespace", help="Temporal namespace (default TEMPORAL_NAMESPACE or default)")
    parser.add_argument(
        "--task-queue", default=os.environ.get("BATCH_SCORE_TASK_QUEUE", DEFAULT_TASK_QUEUE)
    )
    parser.add_argument("--progress-every", type=float, default=5.0, help="seconds between progress lines")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))

"""A bounded load test of `zoo serve`'s try-it API on localhost, against the same predictions in-process.

Starts `zoo serve --port 0` (its own process), warms one bundled model with one request, then
sends REQUESTS predictions (multipart uploads, as the try-it form sends them) from CONCURRENCY
clients at once with httpx, and prints:

  baseline     the same predictions through zoo.predict in this process, one after another, each
               decoding the same upload bytes (zoo.inputs) first: the work without HTTP or queueing
  served       throughput, p50/p95 latency and errors through the server
  ratio        served throughput / baseline throughput: what HTTP, multipart parsing, the worker
               thread and the per-model queue cost (the server runs one prediction of a model at a
               time, so concurrency queues requests rather than adding throughput)
  memory       the server's RSS when idle, after the warm-up (the model loaded), and after the load;
               the growth over the load must stay within the model cache's bound, and no request may fail

Run it on a quiet machine: other work skews both sides. A benchmark, not a test (no thresholds
but "no errors"). Usage:
python benchmarks/serve_load.py [--model digits-resnet18] [--requests 500] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import statistics
import subprocess
import sys
import time
from typing import Any


def rss_bytes(pid: int) -> int:
    """A process's resident memory: psutil when installed, else /proc/PID/status (Linux)."""
    try:
        import psutil
    except ImportError:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS in /proc/{pid}/status") from None
    return int(psutil.Process(pid).memory_info().rss)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def sample_upload(model: str) -> tuple[str, bytes, str]:
    """``(file name, bytes, content type)``: an input the bundled model is made for, from bundled data."""
    import zoo

    spec = zoo.get(model, "model")
    kind = zoo.get(spec.task, "task").input
    if kind == "image":
        image = zoo.build_dataset(spec.default_dataset or "digits", split="test")[0].input
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return "sample.png", buffer.getvalue(), "image/png"
    if kind == "audio":
        import soundfile

        clip = zoo.build_dataset("spokennumbers")[1].input
        buffer = io.BytesIO()
        soundfile.write(buffer, clip.waveform, clip.sampling_rate, format="WAV")
        return "sample.wav", buffer.getvalue(), "audio/wav"
    return "", "a gripping, funny film".encode(), "text"


def start_server(model_memory: str) -> tuple[subprocess.Popen[str], str]:
    """`zoo serve` on a free port in its own process; returns it and its URL once it listens."""
    server = subprocess.Popen([sys.executable, "-m", "zoo", "serve", "--port", "0", "--model-memory", model_memory],
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert server.stderr is not None
    for line in server.stderr:
        found = re.search(r"serving the catalogue at (http://\S+?)/ ", line)
        if found:
            return server, found.group(1)
    raise SystemExit(f"zoo serve did not start (exit code {server.wait()})")


def baseline(model: str, upload: tuple[str, bytes, str], requests: int) -> list[float]:
    """Seconds of each of ``requests`` in-process predictions: decode the upload, zoo.predict, one at a time."""
    import zoo
    from zoo.inputs.audio import decode_audio
    from zoo.inputs.image import decode_image

    name, data, content_type = upload
    built = zoo.build_model(model)

    def one() -> Any:
        if content_type.startswith("image/"):
            given: Any = decode_image(data, sample_id=name)
        elif content_type.startswith("audio/"):
            given = decode_audio(data, sample_id=name)
        else:
            given = data.decode()
        return zoo.predict(built, [given])

    one()  # warm
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        one()
        times.append(time.perf_counter() - started)
    return times


def form_of(upload: tuple[str, bytes, str]) -> dict[str, Any]:
    """httpx's arguments for the try-it form: the text field, or the file."""
    name, data, content_type = upload
    return {"data": {"text": data.decode()}} if content_type == "text" else {"files": {"file": upload}}


async def load(url: str, upload: tuple[str, bytes, str], requests: int,
               concurrency: int) -> tuple[list[float], list[str], float]:
    """``(seconds of each good answer, errors, wall seconds)`` of ``requests`` posted by ``concurrency`` clients."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    left = iter(range(requests))

    async def client(http: httpx.AsyncClient) -> None:
        for _ in left:
            started = time.perf_counter()
            try:
                response = await http.post(url, **form_of(upload))
            except httpx.HTTPError as error:
                errors.append(f"{type(error).__name__}: {error}")
                continue
            if response.status_code == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors.append(f"{response.status_code}: {response.text[:200]}")

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="digits-resnet18", help="a bundled model (zoo list --available)")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--model-memory", default="500MB", help="the server's model cache bound")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import httpx

    from zoo.cli.render import format_bytes
    from zoo.cli.serve import parse_size

    upload = sample_upload(args.model)
    server, base = start_server(args.model_memory)
    try:
        url = f"{base}/api/models/{args.model}/predict"
        idle = rss_bytes(server.pid)
        warm = httpx.post(url, timeout=120, **form_of(upload))
        warm.raise_for_status()
        warmed = rss_bytes(server.pid)
        alone = baseline(args.model, upload, args.requests)
        latencies, errors, wall = asyncio.run(load(url, upload, args.requests, args.concurrency))
        after = rss_bytes(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    bound = parse_size(args.model_memory, "--model-memory")
    base_rate = len(alone) / sum(alone)
    rate = len(latencies) / wall
    print(f"model {args.model}, {args.requests} requests of {format_bytes(len(upload[1]))} "
          f"({upload[2]}), concurrency {args.concurrency}; first request {warm.json()['seconds']:.2f} s "
          f"(loading {warm.json()['load_seconds']:.2f} s)")
    print(f"baseline  zoo.predict in-process, one at a time: {base_rate:8.1f} predictions/s   "
          f"p50 {statistics.median(alone) * 1000:6.2f} ms   p95 {percentile(alone, 0.95) * 1000:6.2f} ms")
    if latencies:
        print(f"served    POST /api/models/NAME/predict:         {rate:8.1f} predictions/s   "
              f"p50 {statistics.median(latencies) * 1000:6.2f} ms   p95 {percentile(latencies, 0.95) * 1000:6.2f} ms")
    print(f"ratio     served / baseline throughput: {rate / base_rate:.2f}")
    print(f"errors    {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"memory    server RSS idle {format_bytes(idle)}, after warm-up {format_bytes(warmed)}, after the load "
          f"{format_bytes(after)}: {format_bytes(max(after - warmed, 0))} growth over the load "
          f"(model cache bound {format_bytes(bound)})")
    if errors or after - warmed > bound:
        raise SystemExit("FAILED: " + ("errors" if errors else "memory grew beyond the model cache bound"))


if __name__ == "__main__":
    main()

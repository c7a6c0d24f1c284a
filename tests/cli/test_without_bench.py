"""The product leaves its benchmark out: `vaxbook serve` neither installs nor imports it."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import requires

from packaging.requirements import Requirement
from typer.testing import CliRunner

from vaxbook.cli import app

BENCH_ONLY = {"aiohttp", "psutil", "py-spy", "vaxbook_bench"}

# Imports what `vaxbook serve` and its workers import: the command line, the server and
# every module of the product (adapters included), then names what came from the bench.
EVERY_PRODUCT_MODULE = """
import importlib, pkgutil, sys
import uvicorn.main
import vaxbook, vaxbook.cli
from vaxbook.web.app import create_app
for found in pkgutil.walk_packages(vaxbook.__path__, "vaxbook."):
    if found.name != "vaxbook.__main__":  # running it would start the command line
        importlib.import_module(found.name)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & {"aiohttp", "psutil", "vaxbook_bench"})))
"""


def test_serving_imports_neither_the_benchmark_nor_its_libraries() -> None:
    """Importing the command line, the web app and every vaxbook module loads no aiohttp, psutil or bench."""
    done = subprocess.run(
        [sys.executable, "-c", EVERY_PRODUCT_MODULE], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "", done.stdout


def test_the_product_requires_no_benchmark_library() -> None:
    """aiohttp, psutil and py-spy come only with the bench extra, never with the product itself."""
    declared = [Requirement(r) for r in requires("vaxbook") or []]
    always = {r.name for r in declared if r.marker is None or r.marker.evaluate({"extra": ""})}
    with_bench = {r.name for r in declared if r.marker is not None and r.marker.evaluate({"extra": "bench"})}
    assert always & BENCH_ONLY == set()
    assert {"aiohttp", "psutil", "py-spy"} <= with_bench


def test_vaxbook_has_no_benchmark_commands() -> None:
    """`vaxbook rush` and `vaxbook simulate` are unknown: the benchmark is `vaxbook-bench`."""
    runner = CliRunner()
    for command in ("rush", "simulate"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 2, result.output

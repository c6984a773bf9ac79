"""Rewrite the generated table of COMPATIBILITY.md from the compatibility sweep.

    python -m hatch run python scripts/update_compatibility.py

The sweep (tests/test_compatibility.py) compares the public names of JAX 0.10.2 and JAX 0.12.1,
recorded in tests/data/jax_api_names.json and jax_api_names_0.12.json, with pullback's.
Everything above the marker line of COMPATIBILITY.md is kept as written; below it two tables
are regenerated: what changed between the two JAX releases and what pullback does about each
name, then the gaps, one row per module and reason. Reasons come from the categories below; a
name in no category is "not implemented yet".
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- generated below by scripts/update_compatibility.py -->"

SHARDING = {
    "NamedSharding", "P", "Shard", "make_mesh", "set_mesh", "shard_map", "smap", "sharding",
    "reshard", "make_array_from_callback", "make_array_from_process_local_data",
    "make_array_from_single_device_arrays", "process_count", "process_index",
    "process_indices", "host_count", "host_id", "host_ids", "distributed",
    "remove_size_one_mesh_axis_from_type", "with_sharding_constraint", "auto_pcast", "pcast",
    "pbroadcast", "psend", "precv", "ragged_all_to_all", "copy_to_host_async", "live_arrays",
    "typeof", "Device", "memory", "UnreducedKind", "is_single_device_sharding",
    "no_collectives", "psum_scatter_start",
}  # fmt: skip
SUBMODULES = {
    "ad", "api_util", "interpreters", "lib", "ops", "image", "dlpack", "export", "ffi",
    "monitoring", "profiler", "custom_batching", "custom_derivatives", "version", "ref",
}  # fmt: skip
CONFIG = {
    "debug_nans", "debug_infs", "log_compiles", "disable_jit", "enable_checks", "enable_x64",
    "check_tracer_leaks", "checking_leaks", "transfer_guard", "transfer_guard_device_to_device",
    "transfer_guard_device_to_host", "transfer_guard_host_to_device", "numpy_dtype_promotion",
    "numpy_rank_promotion", "default_device", "default_prng_impl", "threefry_partitionable",
    "explain_cache_misses", "no_tracing", "no_execution", "thread_guard",
    "array_garbage_collection_guard", "allow_f16_reductions",
    "jax2tf_associative_scan_reductions", "enable_custom_prng", "legacy_prng_key",
    "debug_key_reuse", "softmax_custom_jvp", "make_user_context", "print_environment_info",
}  # fmt: skip
REFS = {"Ref", "new_ref", "empty_ref", "free_ref", "freeze"}
JAX012_REASONS = {
    "fma": "added in JAX 0.12: a single-rounding fused multiply-add needs StableHLO's fma, "
           "which jaxlib 0.10's XLA lacks; `fmuladd` (fused or not) is provided",
    "CompilerEffortLevel": "added in JAX 0.12: XLA's effort levels for compiler options "
                           "pullback does not pass yet (issue 25)",
    "avals": "added in JAX 0.12: the module of dtype shorthands for annotations (`f32[...]`) "
             "is not provided yet (issue 25)",
}  # fmt: skip


def _reason(module: str, name: str, gap: str, change: str | None = None) -> str:
    if gap != "absent":
        if change == "changed":
            return f"JAX 0.12 changed the parameters ({gap}); not aligned yet (issue 25)"
        return f"parameters differ from JAX's ({gap}); not aligned yet"
    if change == "added" and name in JAX012_REASONS:
        return JAX012_REASONS[name]
    if change == "added" and not name.endswith("_p") and name not in SHARDING:
        return "added in JAX 0.12; not implemented yet (issue 25)"
    if module == "jax.lax" and name.endswith("_p"):
        return (
            "a JAX primitive object: pullback's primitives are `pullback_ir` objects with their "
            "own rule tables, not re-exported under JAX's names (the extension layer, issue 24)"
        )
    if name in SHARDING:
        return "sharding over several devices or processes: issue 18"
    if name in SUBMODULES:
        return "a JAX submodule pullback does not provide yet (internal or extension API)"
    if name in CONFIG:
        return "a JAX configuration switch or context manager pullback does not provide yet"
    if name in REFS:
        return "mutable array references (`jax.Ref`) are not implemented"
    return "not implemented yet"


def _release_table(changes: dict[tuple[str, str], str],
                   gaps: dict[tuple[str, str], str]) -> list[str]:  # fmt: skip
    # One row per (change, module, what pullback does).
    what = {
        "added": ("has it", "not yet: see the gaps below"),
        "removed": ("keeps it (a name of the seed spec or of 0.10.2 programs)",
                    "does not have it either"),
        "changed": ("accepts the parameters of both releases",
                    "not aligned yet: see the gaps below"),
    }  # fmt: skip
    rows: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for (module, name), kind in sorted(changes.items()):
        ok = (module, name) not in gaps
        rows[(kind, module, what[kind][0 if ok else 1])].append(name)
    lines = ["### JAX 0.10.2 to 0.12.1", "",
             "Names added, removed or changed (in their parameters) between the two releases, "
             "and what pullback does about each.", "",
             "| change | module | names | pullback |", "|---|---|---|---|"]  # fmt: skip
    order = {"added": 0, "changed": 1, "removed": 2}
    for (kind, module, does), names in sorted(rows.items(), key=lambda r: (order[r[0][0]], r[0])):
        lines.append(f"| {kind} | `{module}` | {', '.join(f'`{n}`' for n in names)} | {does} |")
    return lines


def main() -> None:
    spec = importlib.util.spec_from_file_location("sweep", ROOT / "tests" / "test_compatibility.py")
    assert spec is not None
    assert spec.loader is not None
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    gaps = sweep.gaps()
    changes = sweep.release_changes()
    rows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (module, name), gap in sorted(gaps.items()):
        rows[(module, _reason(module, name, gap, changes.get((module, name))))].append(name)
    path = ROOT / "COMPATIBILITY.md"
    head = path.read_text().split(MARKER)[0] if path.exists() else ""
    lines = [head.rstrip("\n"), "", MARKER, ""]
    lines += _release_table(changes, gaps)
    lines += ["", "### Gaps", "", "| module | names | reason |", "|---|---|---|"]
    for (module, reason), names in sorted(rows.items()):
        lines.append(f"| `{module}` | {', '.join(f'`{n}`' for n in names)} | {reason} |")
    path.write_text("\n".join(lines) + "\n")
    total = sum(len(v) for v in rows.values())
    print(f"wrote {path}: {total} names in {len(rows)} rows")


if __name__ == "__main__":
    main()

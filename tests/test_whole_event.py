"""The whole event, every property of it, through real sync and async clients: fastvars
on against off, for every fastvars-bench workload raised beneath the request stack of
six real source files, code variables on and off. With fastvars on, posthog's
serializer, in-app marking, code variables and clean pass are all fastvars' twins."""

import posthog
import pytest

import fastvars
from fastvars.bench import workloads
from helpers.oracle import chain_variables_aside, client_event, forget_captured

WORKLOADS = [name for name, w in workloads.WORKLOADS.items() if w.raises is not None]


pytestmark = pytest.mark.usefixtures("engine_off")


@pytest.mark.parametrize("code_variables", [True, False], ids=["variables", "no-variables"])
@pytest.mark.parametrize("client_class", [posthog.Posthog, posthog.AsyncPosthog])
@pytest.mark.parametrize("name", WORKLOADS)
def test_the_whole_event_is_posthogs(name, client_class, code_variables):
    error = workloads.WORKLOADS[name].raise_in_request()
    flags = {"capture_exception_code_variables": code_variables, "in_app_modules": ["fastvars"]}
    want = client_event(client_class, error, **flags)
    assert fastvars.enable(), fastvars.status()["reason"]
    assert {"exceptions_from_error_tuple", "handle_in_app", "clean"} <= set(
        fastvars.status()["stand_ins"]
    )
    forget_captured((None, error))
    got = client_event(client_class, error, **flags)
    assert repr(chain_variables_aside(got)) == repr(chain_variables_aside(want))
    frames = got["properties"]["$exception_list"][0]["stacktrace"]["frames"]
    assert len({f["abs_path"] for f in frames}) >= 6  # a module per layer of the request
    assert any("code_variables" in f for f in frames) is code_variables


@pytest.mark.slow  # about 10 s
def test_no_growth_over_many_whole_captures(engine):
    """capture_exception end to end with every step fastvars': memory flat, the source
    cache within its cap (the 100,000-capture figure is in the benchmark notes)."""
    import gc
    import tracemalloc

    from fastvars.core import sources

    if engine.name != "c":
        pytest.skip("the pure-Python twins allocate the same way; the compiled caches are the risk")
    client = posthog.Posthog(
        "phc_x",
        send=False,
        sync_mode=True,
        before_send=lambda e: None,
        capture_exception_code_variables=True,
        in_app_modules=["fastvars"],
    )
    workload = workloads.WORKLOADS["standard"]
    assert fastvars.enable(), fastvars.status()["reason"]
    fallbacks = fastvars.status()["fallbacks"]

    def run(count):
        for _ in range(count):
            client.capture_exception(workload.raise_in_request())

    run(1_000)
    gc.collect()
    # What a capture keeps is counted in blocks, not bytes: a leak of one object per
    # capture is thousands of blocks, where a one-time allocation in the window (posthog
    # importing a module lazily, a big dict of the process resizing: 2.5 MiB at once on
    # 3.10 after the whole suite) is one.
    tracemalloc.start(8)
    try:
        run(500)
        gc.collect()
        before = tracemalloc.take_snapshot()
        run(4_000)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = [s for s in after.compare_to(before, "traceback") if s.count_diff > 0]
    blocks = sum(s.count_diff for s in grown)
    small = sum(s.size_diff for s in grown if s.count_diff > 2)
    where = "\n".join(str(s) + "\n" + "\n".join(s.traceback.format()) for s in grown[:3])
    assert blocks < 1_000 and small < 64 * 1024, (blocks, small, where)
    cache = fastvars.status()["source_cache"]
    assert cache["bytes"] <= cache["limit_bytes"] == sources.cache_limit_bytes()
    assert fastvars.status()["fallbacks"] == fallbacks

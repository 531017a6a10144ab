"""Every cache is bounded (in entries, and in bytes through the size of what it may
hold), keeps its hot set when more distinct keys stream through than it holds, and
keeps no user's object alive: not a class, not a code object, not what a class holds.
Both engines."""

import gc
import weakref

from fastvars import constants
from helpers import implementations
from helpers.oracle import code_variables, fastvars_capture, raise_and_catch, serialized_exceptions

MASK = list(constants.DEFAULT_MASK_PATTERNS)
IGNORE = list(constants.DEFAULT_IGNORE_PATTERNS)
DISTINCT = 50_000


generations = implementations.twin_fixture(
    "fastvars.core.caches", "fastvars.core._caches", "Generations"
)
matching = implementations.twin_fixture("fastvars.core.matching", "fastvars.core._matching")


def _put(cache, key, value):
    cache.put(key, value)


def test_hot_keys_survive_a_stream_of_distinct_keys(generations):
    cache = generations(100)
    hot = [f"hot{i}" for i in range(30)]
    for i in range(DISTINCT):
        _put(cache, f"cold{i}", i)
        if i % 20 == 0:  # the hot set is used more often than a generation turns over
            for key in hot:
                if cache.get(key) is None:
                    _put(cache, key, key)
        assert len(cache.young) <= 100 and len(cache.old) <= 100
    assert all(cache.get(key) == key for key in hot)
    assert len(cache) <= 200
    assert cache.get("cold0") is None  # a cold key ages out


def test_a_hit_in_the_old_generation_moves_back(generations):
    cache = generations(2)
    _put(cache, "a", 1)
    _put(cache, "b", 2)
    _put(cache, "c", 3)  # turnover: a and b are old
    assert "a" in cache.old and "a" not in cache.young
    assert cache.get("a") == 1
    assert "a" in cache.young
    cache.clear()
    assert len(cache) == 0 and cache.get("a") is None


def test_name_cache_keeps_the_hot_names(matching):
    matcher = matching.Matcher(MASK, IGNORE)
    hot = ["self", "request", "password", "user_id", "api_key", "__name__"]
    expected = matcher.classify_many(hot, cache=False)
    for i in range(DISTINCT):
        matcher.classify(f"field_{i}")
        if i % 500 == 0:
            assert matcher.classify_many(hot) == expected
    assert len(matcher._cache) <= matching.NAME_CACHE_SIZE
    assert all(name in matcher._cache for name in hot)


def test_long_names_are_not_cached(matching):
    matcher = matching.Matcher(MASK, IGNORE)
    name = "x" * (matching.NAME_CACHE_MAX_LENGTH + 1) + "password"
    assert matcher.classify(name) == constants.MASK
    assert name not in matcher._cache


def _caches_of(engine, policy):
    """The per-matcher caches a capture fills, by name."""
    if engine.name == "c":
        return {
            "names": policy._names,
            "keys": policy._keys,
            "plain": policy._plain,
            "members": policy._members,
            "codes": policy._codes,
            "twin keys": policy.key_decisions,
        }
    return {"names": policy.matcher._cache, "twin keys": policy.key_decisions}


def _payload_frame(payload, config):
    raise ValueError("payload")


def test_key_and_value_caches_keep_the_hot_set(engine):
    """Dict keys of JSON payloads: far more distinct ones than a cache holds, and a
    config whose keys recur in every capture."""
    matcher = engine.compile_patterns(MASK, IGNORE)
    config = {"region": "eu-west-1", "timeout": 30, "api_key": "k", "owner": "alice"}
    for start in range(0, DISTINCT, 40):
        payload = {f"key_{i}": f"value_{i}" for i in range(start, start + 40)}
        exc_info = raise_and_catch(_payload_frame, payload, config)
        exceptions = serialized_exceptions(exc_info)
        fastvars_capture(engine, exceptions, exc_info, MASK, IGNORE)
    policy = engine.make_policy(matcher, True, True)
    for name, cache in _caches_of(engine, policy).items():
        assert len(cache) <= 2 * 4096, name
    if engine.name == "python":
        assert "region" in policy.key_decisions and "key_0" not in policy.key_decisions
    else:
        assert "key_0" not in policy._keys
        assert "region" in policy._keys
        assert "eu-west-1" in policy._plain
        assert "payload" in policy._names and "config" in policy._names


# ------------------------------------------------------------------ lifetimes

CLASSES = 1000
CLASS_DATA = 10_000  # per class; the repro has 100 KB, the test needs less


def _make_classes(count, data):
    made = []
    for i in range(count):
        cls = type(f"Dynamic{i}", (), {"blob": "x" * data + str(i), "api_token": "t"})
        obj = cls()
        obj.value = i
        made.append(obj)
    return made


def _capture_objects(engine, objects):
    def fail(objects, first):
        raise KeyError("objects")

    exc_info = raise_and_catch(fail, objects, objects[0])
    exceptions = serialized_exceptions(exc_info)
    out = fastvars_capture(engine, exceptions, exc_info, MASK, IGNORE)
    del exc_info
    return out


def _collected(refs):
    gc.collect()
    gc.collect()
    return sum(ref() is None for ref in refs)


def test_captured_classes_are_not_kept_alive(engine):
    # Up to MAX_NODES objects of a variable are walked: capture each class's instance
    # in its own variable, in batches, so that every class meets the class caches.
    objects = _make_classes(CLASSES, CLASS_DATA)
    refs = [weakref.ref(type(obj)) for obj in objects]
    for start in range(0, CLASSES, 40):
        for obj in objects[start : start + 40]:
            _capture_objects(engine, [obj])
    del objects, obj
    assert _collected(refs) == CLASSES


def test_classes_with_sensitive_members_are_not_kept_alive(engine):
    # Objects without a __dict__ whose classes hold members named like secrets: the
    # sensitive-members cache remembers them per class.
    made = []
    for i in range(200):
        cls = type(
            f"Slotted{i}", (), {"__slots__": (), "password": "p" + str(i), "blob": "y" * CLASS_DATA}
        )
        made.append(cls())
    refs = [weakref.ref(type(obj)) for obj in made]
    for obj in made:
        variables = code_variables(_capture_objects(engine, [obj]))
        assert "Slotted" in str(variables)
    del made, obj, cls
    assert _collected(refs) == 200


def test_code_objects_are_not_kept_alive(engine):
    refs = []
    for i in range(50):
        namespace = {}
        exec(f"def fail(a, b):\n    big = {'z' * 20_000!r}\n    raise ValueError({i})", namespace)
        fail = namespace["fail"]
        refs.append(weakref.ref(fail.__code__))
        exc_info = raise_and_catch(fail, 1, "two")
        exceptions = serialized_exceptions(exc_info)
        for exception in exceptions:
            for frame in exception["stacktrace"]["frames"]:
                frame["in_app"] = True
        out = fastvars_capture(engine, exceptions, exc_info, MASK, IGNORE)
        assert any(frame and frame.get("a") == 1 for frame in code_variables(out)[0])
        del exc_info, fail, namespace, exceptions, out
    assert _collected(refs) == 50

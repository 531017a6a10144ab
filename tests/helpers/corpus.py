"""Really raised exceptions whose frames hold every family of value that the masking
and encoding rules treat differently. Shared by the differential tests and benches."""

import collections
import dataclasses
import enum
import math
import sys


class Color(enum.IntEnum):
    RED = 1


class Mode(str, enum.Enum):
    FAST = "fast"


Point = collections.namedtuple("Point", "x y")
Creds = collections.namedtuple("Creds", "user password")


@dataclasses.dataclass
class DBConfig:
    host: str
    port: int
    password: str


@dataclasses.dataclass
class BrokenDataclass:
    name: str

    def __getattribute__(self, item):
        if item == "name":
            raise RuntimeError("no name")
        return object.__getattribute__(self, item)


class User:
    def __init__(self):
        self.name = "alice"
        self.email = "alice@example.com"
        self.password = "hunter2"
        self.age = 33


class Slotted:
    __slots__ = ("api_key", "label")

    def __init__(self):
        self.api_key = "k-123"
        self.label = "x"

    def __repr__(self):
        return f"Slotted(api_key={self.api_key!r})"


class WithProperty:
    __slots__ = ()

    @property
    def token(self):
        return "tok-secret"

    def authenticate(self):
        return True

    def __repr__(self):
        return "WithProperty()"


class Opaque:
    __slots__ = ()

    def __repr__(self):
        return "Opaque(postgres://u:p@h/db Bearer abcdefghijklmnop12)"


class BadRepr:
    __slots__ = ()

    def __repr__(self):
        raise ValueError("no repr")


class BadStr:
    def __str__(self):
        raise ValueError("no str")

    __repr__ = __str__

    def __hash__(self):
        return 7


class BadLen(dict):
    def __len__(self):
        raise RuntimeError("no len")


class BadGetattr:
    def __getattr__(self, name):
        raise RuntimeError(name)

    def __getattribute__(self, name):
        if name == "__dict__":
            raise RuntimeError("no dict")
        return object.__getattribute__(self, name)


class TupleSub(tuple):
    def __new__(cls, a, b):
        return super().__new__(cls, (a, b))


class ListSub(list):
    pass


class StrSub(str):
    pass


class Node:
    def __init__(self, depth):
        self.child = Node(depth - 1) if depth else None
        self.secret_value = "s"


class KeyObj:
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"KeyObj({self.text!r})"

    def __hash__(self):
        return hash(self.text)


def scalars():
    count = 42
    big = 10**30
    negative = -7
    ratio = 0.1
    tiny = 5e-324
    huge = 1.7976931348623157e308
    nan = math.nan
    inf = -math.inf
    flag = True
    nothing = None
    name = "plain text"
    empty = ""
    unicode = "héllo wörld ✓ 日本"
    quote = 'he said "hi"\n\ttab\\'
    color = Color.RED
    mode = Mode.FAST
    strsub = StrSub("sub")
    raise ValueError("scalars")


def secrets():
    api_key = "sk_live_abcdefghijklmnop"
    user_password = "hunter2"
    harmless = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX123"
    entropy = "aB3$xY9!qW2@eR5#"
    hexish = "deadbeefdeadbeefdeadbeefdeadbeef"
    uuid = "123e4567-e89b-12d3-a456-426614174000"
    path = "/usr/local/lib/python3.11"
    url = "postgresql://admin:s3cret@db.internal:5432/app"
    url_no_creds = "https://example.com/path?q=1"
    header = "Bearer abcdefghijklmnopqrstuvwxyz012345"
    basic = "Basic YWxhZGRpbjpvcGVuc2VzYW1l"
    prose = "the bearer of news"
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE"
    aws = "AKIAIOSFODNN7EXAMPLE"
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghij"
    gh = "ghp_" + "a" * 36
    sig = "https://x.blob.core.windows.net/c?sv=1&sig=abc"
    long_text = "x" * 3000
    edge_text = "y" * 2048
    over_1024 = "z" * 1500
    raise KeyError("secrets")


def containers():
    numbers = list(range(10))
    config = {"api_key": "abc", "dsn": "postgres://u:pw@host/db", "debug": True, "port": 5432}
    nested = {"a": {"b": {"c": [1, 2, {"password": "x", "ok": "y"}]}}}
    tup = (1, "two", 3.0, None)
    point = Point(1, 2)
    creds = Creds("bob", "pw")
    # False, not True: True == 1, so a True key would overwrite the int key 1.
    mixed_keys = {1: "one", 2.5: "float", None: "none", False: "bool", (1, 2): "tuple"}
    key_objects = {KeyObj("plain"): 1, KeyObj("password=hunter2"): 2, KeyObj("zz"): 3}
    bad_keys = {BadStr(): 1}
    field_keys = {"password=hunter2": 1, "my-token": 2, "Bearer abcdefghijklmnopq": 3}
    url_keys = {"postgres://a:b@h": 1, "postgres://a:c@h": 2}
    secret_key_dict = {"aB3$xY9!qW2@eR5#": 1}
    wide = {f"k{i}": i for i in range(60)}
    long_list = list(range(51))
    exactly_50 = list(range(50))
    nan_inside = [math.nan, math.inf, 1.5]
    sets = {1, 2, 3}
    frozen = frozenset({"a"})
    raw = b"bytes\x00"
    cyclic = [1]
    cyclic.append(cyclic)
    shared = [1, 2]
    twice = [shared, shared]
    tsub = TupleSub(1, 2)
    lsub = ListSub([1, 2])
    placeholder_clash = {"$$_posthog_redacted_key_0_$$": 1, "password=x": 2}
    raise TypeError("containers")


def objects():
    user = User()
    db = DBConfig("localhost", 5432, "pw")
    slotted = Slotted()
    prop = WithProperty()
    opaque = Opaque()
    bad_repr = BadRepr()
    bad_len = BadLen(a=1)
    bad_getattr = BadGetattr()
    broken_dc = BrokenDataclass("n")
    deep = Node(15)
    klass = User
    func = scalars
    module = sys
    builtin_obj = object()
    exc_obj = ValueError("inner")
    big_int_list = [10**5000]
    raise RuntimeError("objects")


def level3():
    local3 = "three"
    token_3 = "t"
    raise IndexError("deep")


def level2():
    local2 = [1, 2, 3]
    level3()


def level1():
    local1 = {"k": "v"}
    level2()


def hidden_frame():
    __traceback_hide__ = True
    hidden_local = "should not show"
    level1()


def budget_buster():
    values = {f"v{i:03d}": "x" * 900 for i in range(20)}
    locals().update(values)
    a1 = "a" * 1000
    a2 = "b" * 1000
    a3 = "c" * 1000
    a4 = "d" * 1000
    a5 = "e" * 1000
    a6 = "f" * 1000
    a7 = "g" * 1000
    a8 = "h" * 1000
    a9 = "i" * 1000
    a10 = "j" * 1000
    a11 = "k" * 1000
    num = 1
    raise ValueError("budget")


def unicode_names():
    café = "latte"
    ПАРОЛЬ = "секрет"
    ſecret = "long s"
    raise ValueError("unicode")


def recursive(n):
    depth_here = n
    password_here = "p"
    if n == 0:
        raise ValueError("bottom")
    recursive(n - 1)


def inner_chain():
    inner_local = "INNER"
    raise KeyError("k")


def outer_chain():
    outer_local = "OUTER"
    try:
        inner_chain()
    except KeyError as e:
        raise ValueError("v") from e


def context_chain():
    ctx_local = 1
    try:
        inner_chain()
    except KeyError:
        raise RuntimeError("during handling")


def group_raiser():
    group_local = "G"
    errors = []
    for i in range(3):
        try:
            member_local = i
            raise ValueError(i)
        except ValueError as e:
            errors.append(e)
    if sys.version_info >= (3, 11):
        raise ExceptionGroup("many", errors)  # noqa: F821
    raise ValueError("no groups before 3.11")


SCENARIOS = {
    "scalars": scalars,
    "secrets": secrets,
    "containers": containers,
    "objects": objects,
    "nested_calls": hidden_frame,
    "budget": budget_buster,
    "unicode_names": unicode_names,
    "many_frames": lambda: recursive(30),
}

CHAINED = {
    "cause": outer_chain,
    "context": context_chain,
    "group": group_raiser,
}

DOCS_MASK = [
    r"(?i).*password.*",
    r"(?i).*secret.*",
    r"(?i).*passwd.*",
    r"(?i).*pwd.*",
    r"(?i).*api_key.*",
    r"(?i).*apikey.*",
    r"(?i).*auth.*",
    r"(?i).*credentials.*",
    r"(?i).*privatekey.*",
    r"(?i).*private_key.*",
    r"(?i).*token.*",
]

PATTERN_SETS = {
    "default": (
        list(
            __import__(
                "posthog.exception_utils"
            ).exception_utils.DEFAULT_CODE_VARIABLES_MASK_PATTERNS
        ),
        list(
            __import__(
                "posthog.exception_utils"
            ).exception_utils.DEFAULT_CODE_VARIABLES_IGNORE_PATTERNS
        ),
    ),
    "docs": (DOCS_MASK, [r"^__.*"]),
    "custom": (
        [r".*password.*", r".*token.*", "client_secret", "private_key", r"^num$"],
        [r"^__.*", r"^_.*", r"temp_.*", r"a[0-9]$"],
    ),
    "empty": ([], []),
    "none": (None, None),
    "invalid": ([r"(unclosed", r"(?i)password", r"[z-a]"], [r"*bad", r"^__.*"]),
    "case": ([r"(?i)PASSWORD", r"SECRET", r"(?i:token)"], [r"(?i)^LOCAL"]),
}

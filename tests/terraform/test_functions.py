"""Every built-in of terraform/functions.py, with the results Terraform's documentation gives.

Each row calls the function as the evaluator does (``PURE[name](*args)``).
Errors (a Terraform error) come back as ``Unknown`` with ``error=True``.
"""

from __future__ import annotations

from typing import Any

import pytest

from cloudexit_ci.terraform.expressions import Computed, Evaluator, Interpolation, Sensitive
from cloudexit_ci.terraform.functions import PURE, TABLE
from cloudexit_ci.terraform.parse import parse_expression
from cloudexit_ci.terraform.typed import Unknown

# (function, arguments, Terraform's result), from the examples of
# developer.hashicorp.com/terraform/language/functions
DOCUMENTED: list[tuple[str, tuple[Any, ...], Any]] = [
    ("abs", (23,), 23),
    ("abs", (0,), 0),
    ("abs", (-12.4,), 12.4),
    ("alltrue", (["true", True],), True),
    ("alltrue", ([True, False],), False),
    ("alltrue", ([],), True),
    ("anytrue", (["true"],), True),
    ("anytrue", ([False],), False),
    ("anytrue", ([],), False),
    ("base64decode", ("SGVsbG8gV29ybGQ=",), "Hello World"),
    ("base64encode", ("Hello World",), "SGVsbG8gV29ybGQ="),
    ("basename", ("foo/bar/baz.txt",), "baz.txt"),
    ("ceil", (5,), 5),
    ("ceil", (5.1,), 6),
    ("chomp", ("hello\n",), "hello"),
    ("chunklist", (["a", "b", "c", "d", "e"], 2), [["a", "b"], ["c", "d"], ["e"]]),
    ("chunklist", (["a", "b", "c", "d", "e"], 1), [["a"], ["b"], ["c"], ["d"], ["e"]]),
    ("chomp", ("hello\r\n",), "hello"),
    ("chomp", ("hello\n\n",), "hello\n"),
    ("coalesce", ("a", "b"), "a"),
    ("coalesce", ("", "b"), "b"),
    ("coalesce", (1, 2), 1),
    ("coalesce", (None, "x"), "x"),
    ("coalescelist", (["a", "b"], ["c", "d"]), ["a", "b"]),
    ("coalescelist", ([], ["c", "d"]), ["c", "d"]),
    ("compact", (["a", "", "b", None, "c"],), ["a", "b", "c"]),
    ("concat", (["a", ""], ["b", "c"]), ["a", "", "b", "c"]),
    ("contains", (["a", "b", "c"], "a"), True),
    ("contains", (["a", "b", "c"], "d"), False),
    ("dirname", ("foo/bar/baz.txt",), "foo/bar"),
    ("distinct", (["a", "b", "a", "c", "d", "b"],), ["a", "b", "c", "d"]),
    ("element", (["a", "b", "c"], 1), "b"),
    ("element", (["a", "b", "c"], 3), "a"),
    ("endswith", ("hello world", "world"), True),
    ("endswith", ("hello world", "hello"), False),
    ("flatten", ([["a", "b"], [], ["c"]],), ["a", "b", "c"]),
    ("flatten", ([[["a", "b"], []], ["c"]],), ["a", "b", "c"]),
    ("floor", (5,), 5),
    ("floor", (4.9,), 4),
    ("format", ("Hello, %s!", "Ander"), "Hello, Ander!"),
    ("format", ("There are %d lights", 4), "There are 4 lights"),
    ("format", ("%-5s|", "ab"), "ab   |"),
    ("format", ("%5s|", "ab"), "   ab|"),
    ("format", ("%.2f", 3.14159), "3.14"),
    ("format", ("%q", "quoted"), '"quoted"'),
    ("format", ("%t", True), "true"),
    ("format", ("%x %X %o %b", 255, 255, 8, 5), "ff FF 10 101"),
    ("format", ("%v %v", ["a", 1], {"k": True}), '["a",1] {"k":true}'),
    ("format", ("%[2]s %[1]s", "a", "b"), "b a"),
    ("format", ("100%%",), "100%"),
    ("formatlist", ("Hello, %s!", ["Valentina", "Ander"]), ["Hello, Valentina!", "Hello, Ander!"]),
    (
        "formatlist",
        ("%s, %s!", "Salutations", ["Valentina", "Ander"]),
        ["Salutations, Valentina!", "Salutations, Ander!"],
    ),
    ("index", (["a", "b", "c"], "b"), 1),
    ("join", ("-", ["foo", "bar", "baz"]), "foo-bar-baz"),
    ("join", (", ", ["foo", "bar", "baz"]), "foo, bar, baz"),
    ("join", (", ", ["foo"]), "foo"),
    ("join", (",", ["a"], ["b", 1, True]), "a,b,1,true"),
    ("jsondecode", ('{"hello": "world"}',), {"hello": "world"}),
    ("jsondecode", ("true",), True),
    ("jsonencode", ({"hello": "world"},), '{"hello":"world"}'),
    ("jsonencode", ({"b": 1, "a": [1, "x"]},), '{"a":[1,"x"],"b":1}'),
    ("jsonencode", ("<a&b>",), '"\\u003ca\\u0026b\\u003e"'),
    ("keys", ({"a": 1, "c": 2, "d": 3},), ["a", "c", "d"]),
    ("keys", ({"d": 1, "a": 2},), ["a", "d"]),
    ("length", ([],), 0),
    ("length", (["a", "b"],), 2),
    ("length", ({"a": "b"},), 1),
    ("length", ("hello",), 5),
    ("lookup", ({"a": "ay", "b": "bee"}, "a", "what?"), "ay"),
    ("lookup", ({"a": "ay", "b": "bee"}, "c", "what?"), "what?"),
    ("lower", ("HELLO",), "hello"),
    ("max", (12, 54, 3), 54),
    ("md5", ("hello world",), "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ("merge", ({"a": "b", "c": "d"}, {"e": "f", "c": "z"}), {"a": "b", "c": "z", "e": "f"}),
    ("merge", ({"a": "b"}, None), {"a": "b"}),
    ("min", (12, 54, 3), 3),
    ("nonsensitive", (["a", "b"],), ["a", "b"]),
    ("one", ([],), None),
    ("one", (["hello"],), "hello"),
    ("range", (3,), [0, 1, 2]),
    ("range", (1, 4), [1, 2, 3]),
    ("range", (1, 8, 2), [1, 3, 5, 7]),
    ("range", (4, 1), [4, 3, 2]),
    ("range", (1, 4, 0.5), [1, 1.5, 2, 2.5, 3, 3.5]),
    ("range", (0,), []),
    ("regex", ("[a-z]+", "53453453.345345aaabbbccc23454"), "aaabbbccc"),
    ("regex", ("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01"), ["2019", "02", "01"]),
    (
        "regex",
        ("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://x.io/a"),
        {"scheme": "https", "authority": "x.io"},
    ),
    ("regex", ("(?<word>[a-z]+)", "12ab"), {"word": "ab"}),
    ("regexall", ("[a-z]+", "1234abcd5678efgh9"), ["abcd", "efgh"]),
    ("regexall", ("[a-z]+", "123456789"), []),
    ("replace", ("1 + 2 + 3", "+", "-"), "1 - 2 - 3"),
    ("replace", ("hello world", "/w.*d/", "everybody"), "hello everybody"),
    ("replace", ("hello world", "/(h)(e)/", "$2$1"), "ehllo world"),
    ("reverse", ([1, 2, 3],), [3, 2, 1]),
    ("setintersection", (["a", "b"], ["b", "c"], ["b", "d"]), ["b"]),
    (
        "setproduct",
        (["development", "staging"], ["app1", "app2"]),
        [
            ["development", "app1"],
            ["development", "app2"],
            ["staging", "app1"],
            ["staging", "app2"],
        ],
    ),
    ("setproduct", (["a"], []), []),
    ("setsubtract", (["a", "b", "c"], ["a", "c"]), ["b"]),
    ("setunion", (["a", "b"], ["b", "c"], ["d"]), ["a", "b", "c", "d"]),
    ("sha1", ("hello world",), "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    (
        "sha256",
        ("hello world",),
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    ),
    ("slice", (["a", "b", "c", "d"], 1, 3), ["b", "c"]),
    ("sort", (["e", "d", "a", "x"],), ["a", "d", "e", "x"]),
    ("split", (",", "foo"), ["foo"]),
    ("split", (",", "foo,bar,baz"), ["foo", "bar", "baz"]),
    ("split", (",", ""), [""]),
    ("startswith", ("hello world", "hello"), True),
    ("startswith", ("hello world", "world"), False),
    ("strrev", ("hello",), "olleh"),
    ("substr", ("hello world", 1, 4), "ello"),
    ("substr", ("hello world", -5, -1), "world"),
    ("substr", ("hello world", 6, 10), "world"),
    ("sum", ([10, 13, 6, 4.5],), 33.5),
    ("title", ("hello world",), "Hello World"),
    ("tobool", (True,), True),
    ("tobool", ("true",), True),
    ("tobool", (None,), None),
    ("tolist", (["a", "b", "c"],), ["a", "b", "c"]),
    ("tomap", ({"a": 1, "b": 2},), {"a": 1, "b": 2}),
    ("tonumber", (1,), 1),
    ("tonumber", ("1",), 1),
    ("tonumber", ("1.5",), 1.5),
    ("tonumber", (None,), None),
    ("toset", (["c", "b", "b"],), ["b", "c"]),
    ("toset", ([3, 1, 2, 1],), [1, 2, 3]),
    ("tostring", ("hello",), "hello"),
    ("tostring", (1,), "1"),
    ("tostring", (1.5,), "1.5"),
    ("tostring", (True,), "true"),
    ("tostring", (None,), None),
    ("trim", ("?!hello?!", "!?"), "hello"),
    ("trim", ("foobar", "far"), "oob"),
    ("trimprefix", ("helloworld", "hello"), "world"),
    ("trimprefix", ("helloworld", "cat"), "helloworld"),
    ("trimspace", ("  hello\n\n",), "hello"),
    ("trimsuffix", ("helloworld", "world"), "hello"),
    ("try", ("a", "b"), "a"),
    ("upper", ("hello",), "HELLO"),
    ("values", ({"a": 3, "c": 2, "d": 1},), [3, 2, 1]),
    ("zipmap", (["a", "b"], [1, 2]), {"a": 1, "b": 2}),
]

# (function, arguments) that are Terraform errors: an Unknown with error=True
ERRORS: list[tuple[str, tuple[Any, ...]]] = [
    ("base64decode", ("not base64!",)),
    ("coalesce", (None, "")),
    ("chunklist", (["a"], -1)),
    ("element", ([], 0)),
    ("element", (["a"], -1)),
    ("format", ("%s %s", "only one")),
    ("format", ("%d", "x")),
    ("format", ("%t", "yes")),
    ("formatlist", ("%s %s", ["a"], ["b", "c"])),
    ("index", (["a"], "b")),
    ("join", (",", ["a", None])),
    ("jsondecode", ("{not json",)),
    ("keys", ("a string",)),
    ("lookup", ({"a": 1}, "b")),
    ("merge", ({"a": 1}, ["a list"])),
    ("one", (["a", "b"],)),
    ("range", (1, 5, 0)),
    ("regex", ("[0-9]+", "no digits")),
    ("slice", (["a", "b"], 1, 5)),
    ("tobool", ("yes",)),
    ("tonumber", ("no",)),
    ("tonumber", (True,)),
    ("tostring", (["a"],)),
    ("zipmap", (["a", "b"], [1])),
]

CACHE = Computed("aws_elasticache_cluster.c", "cache_nodes", (0, "address"))
SECRET = Sensitive("db_password")
URL = Interpolation(("redis://", CACHE, ":6379"))


def _call(name: str, *args: Any) -> Any:
    """As the evaluator calls a function: a raised error becomes an error Unknown."""
    try:
        return PURE[name](*args)
    except Exception as exc:  # the evaluator's own handling (expressions.Evaluator._e_Call)
        return Unknown(f"{name}(...)", f"{name}() failed: {exc}", error=True)


@pytest.mark.parametrize(("name", "args", "expected"), DOCUMENTED)
def test_documented_result(name: str, args: tuple[Any, ...], expected: Any) -> None:
    result = _call(name, *args)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(("name", "args"), ERRORS)
def test_terraform_error_is_an_error_unknown(name: str, args: tuple[Any, ...]) -> None:
    result = _call(name, *args)
    assert isinstance(result, Unknown) and result.error, result


def test_every_function_has_a_documented_row() -> None:
    assert {name for name, _, _ in DOCUMENTED} | {"can"} == set(TABLE) == set(PURE)


def _eval(text: str, **scope: Any) -> Any:
    return Evaluator(scope, PURE).eval(parse_expression(text, "t.tf", 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('try(local.cfg.missing, "d")', "d"),  # a missing key is an error: try catches it
        ('try(local.cfg.a, "d")', 1),
        ("can(local.cfg.missing)", False),
        ("can(local.cfg.a)", True),
        ('try(tonumber("x"), 0)', 0),
        ('can(regex("[0-9]", "abc"))', False),
    ],
)
def test_try_and_can_catch_errors(text: str, expected: Any) -> None:
    assert _eval(text, local={"cfg": {"a": 1}}) == expected


def test_try_and_can_do_not_guess_a_value_not_known_here() -> None:
    # timestamp() is not evaluated: its value is not known, it is not an error
    assert isinstance(_eval('try(timestamp(), "fallback")'), Unknown)
    assert isinstance(_eval("can(timestamp())"), Unknown)
    # a Computed value is a value: try keeps it, can says true
    assert _eval('try(c, "fallback")', c=CACHE) == CACHE
    assert _eval("can(c)", c=CACHE) is True


# ---- values that are not plain data, per policy ---------------------------------------------

TEXT_ROWS: list[tuple[str, tuple[Any, ...], Any]] = [
    ("tostring", (CACHE,), Interpolation((CACHE,))),
    ("tostring", (URL,), URL),
    ("format", ("redis://%s:%d", CACHE, 6379), URL),
    ("format", ("%v", SECRET), Interpolation((SECRET,))),
    ("join", (":", ["redis://x", CACHE]), Interpolation(("redis://x:", CACHE))),
    ("join", ("", [URL, "/0"]), Interpolation(("redis://", CACHE, ":6379/0"))),
    ("formatlist", ("%s/*", [CACHE, "b"]), [Interpolation((CACHE, "/*")), "b/*"]),
]


@pytest.mark.parametrize(("name", "args", "expected"), TEXT_ROWS)
def test_text_functions_build_an_interpolation(
    name: str, args: tuple[Any, ...], expected: Any
) -> None:
    assert _call(name, *args) == expected


STRUCTURE_ROWS: list[tuple[str, tuple[Any, ...], Any]] = [
    ("concat", ([CACHE], ["a"]), [CACHE, "a"]),
    ("merge", ({"a": CACHE}, {"b": SECRET}), {"a": CACHE, "b": SECRET}),
    ("lookup", ({"a": CACHE}, "a"), CACHE),
    ("lookup", ({"a": 1}, "b", SECRET), SECRET),
    ("tolist", ([URL],), [URL]),
    ("tomap", ({"u": URL},), {"u": URL}),
    ("toset", ([CACHE, "b", "a"],), ["a", "b", CACHE]),
    ("element", ([CACHE, "x"], 0), CACHE),
    ("length", ([CACHE, SECRET],), 2),
    ("keys", ({"b": CACHE, "a": 1},), ["a", "b"]),
    ("values", ({"b": CACHE, "a": 1},), [1, CACHE]),
    ("flatten", ([[CACHE], ["a"]],), [CACHE, "a"]),
    ("coalesce", (CACHE, "x"), CACHE),
    ("coalesce", ("", SECRET), SECRET),
    ("one", ([URL],), URL),
    ("nonsensitive", (SECRET,), SECRET),  # still the .env secret, never a guessed value
    ("nonsensitive", ({"u": URL},), {"u": URL}),
    ("zipmap", (["a"], [CACHE]), {"a": CACHE}),
]


@pytest.mark.parametrize(("name", "args", "expected"), STRUCTURE_ROWS)
def test_structure_functions_carry_values_known_after_apply(
    name: str, args: tuple[Any, ...], expected: Any
) -> None:
    assert _call(name, *args) == expected


@pytest.mark.parametrize(
    ("name", "args", "depends"),
    [
        ("upper", (CACHE,), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("jsonencode", ({"url": URL},), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("jsonencode", ([CACHE],), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("length", (URL,), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("concat", (CACHE, ["a"]), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("merge", (CACHE,), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("contains", ([CACHE], "x"), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("format", ("%05d", CACHE), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("format", (CACHE, "x"), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("join", (CACHE, ["a"]), "aws_elasticache_cluster.c.cache_nodes[0].address"),
        ("base64encode", (SECRET,), "the sensitive variable db_password"),
        ("sha256", (URL,), "aws_elasticache_cluster.c.cache_nodes[0].address"),
    ],
)
def test_other_uses_are_unknown_naming_what_they_depend_on(
    name: str, args: tuple[Any, ...], depends: str
) -> None:
    result = _call(name, *args)
    assert isinstance(result, Unknown) and not result.error, result
    assert result.text == f"{name}(...)"
    assert depends in result.reason
    assert "${" not in result.reason


def test_an_unknown_argument_is_the_result() -> None:
    later = Unknown("timestamp()", "function timestamp() is not evaluated")
    assert _call("upper", later) == later
    assert _call("jsonencode", {"a": [later]}) == later
    assert _call("format", "%s", later) == later
    assert _call("join", ",", ["a", later]) == later
    assert _call("concat", ["a"], later) == later
    assert _call("concat", ["a"], [later]) == ["a", later]  # carried inside a list

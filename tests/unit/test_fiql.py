"""Unit tests for the `_filter` language parser and evaluator (mock_n2g.fiql)."""

import contextlib
import dataclasses
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mock_n2g import fiql
from mock_n2g.fiql import Filter, FilterError, parse

RECORD = {
    "email": "Max.Mustermann@Example.org",
    "first_name": "Max",
    "last_name": "max",
    "nickname": "Maxi",
    "gender": "m",
    "rating": 4,
    "score": 2.5,
    "is_unsubscribed": False,
    "is_blacklisted": True,
    "created": "2016-04-06T11:27:31+0000",
    "group_ids": ["abc12345", "XYZ98765"],
    "empty_groups": [],
    "phone": None,
}


def matches(text, record=RECORD):
    return parse(text).matches(record.get)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ==
        ('first_name=="Max"', True),
        ('first_name=="Moritz"', False),
        ('first_name=="Ma"', False),
        # =ne= and !=
        ('gender=ne="f"', True),
        ('gender=ne="m"', False),
        ('gender!="f"', True),
        ('gender!="M"', False),
        # =gt= =ge= =lt= =le= on numbers
        ('rating=gt="3"', True),
        ('rating=gt="4"', False),
        ('rating=ge="4"', True),
        ('rating=ge="4.5"', False),
        ('rating=lt="5"', True),
        ('rating=lt="4"', False),
        ('rating=le="4"', True),
        ('rating=le="3.99"', False),
        ("rating=gt=10", False),
        ("rating=gt=-2.5", True),
        ("score=lt=10", True),
        # ordering on strings
        ('last_name=gt="g"', True),
        ('last_name=gt="n"', False),
        ('created=ge="2016-04-06T00:00:00+0000"', True),
        ('created=lt="2016-04-06T11:27:31+0000"', False),
        ('created=le="2016-04-06T11:27:31+0000"', True),
        ('created=gt="2016-04-07"', False),
        # =like= / =nlike=
        ('email=like="%example%"', True),
        ('email=like="%yahoo%"', False),
        ('email=nlike="%yahoo%"', True),
        ('email=nlike="%example%"', False),
        # =contains= / =ncontains= on lists and strings
        ('group_ids=contains="abc12345"', True),
        ('group_ids=contains="abc1234"', False),
        ('group_ids=ncontains="abc12345"', False),
        ('group_ids=ncontains="zzz00000"', True),
        ('email=contains="mustermann@"', True),
        ('email=contains="musterfrau"', False),
        ('email=ncontains="musterfrau"', True),
        # =in= / =nin= with the literal on the left
        ('"abc12345"=in=group_ids', True),
        ('"zzz00000"=in=group_ids', False),
        ('"abc12345"=nin=group_ids', False),
        ('"zzz00000"=nin=group_ids', True),
        # =in= / =nin= with a list literal on the right
        ('first_name=in=("Moritz","Max")', True),
        ('first_name=in=("Moritz","Erika")', False),
        ('first_name=nin=("Moritz","Erika")', True),
        ('first_name=nin=("Moritz","Max")', False),
        ("rating=in=(1,2,4)", True),
        ('rating=in=("4.0")', True),
        ("rating=nin=(1,2,3)", True),
        ('group_ids=in=("nope","abc12345")', True),
        ('group_ids=in=("nope")', False),
        ('first_name=in="max"', True),
    ],
)
def test_each_operator(text, expected):
    assert matches(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        'first_name=LIKE="M%"',
        'first_name=Like="M%"',
        'first_name=NE="Moritz"',
        'rating=GT="3"',
        'rating=Ge="4"',
        'rating=LT="5"',
        'rating=lE="4"',
        'email=NLIKE="%yahoo%"',
        'group_ids=CONTAINS="abc12345"',
        'group_ids=NCONTAINS="zzz"',
        '"abc12345"=IN=group_ids',
        '"zzz"=NIN=group_ids',
    ],
)
def test_operators_are_case_insensitive(text):
    assert matches(text)


@pytest.mark.parametrize(
    "text",
    [
        'first_name=="MAX"',
        'first_name=="max"',
        'email=like="%EXAMPLE.ORG"',
        'group_ids=contains="ABC12345"',
        'group_ids=contains="xyz98765"',
        '"AbC12345"=in=group_ids',
        'email=contains="MUSTERMANN"',
        'first_name=in=("MAX")',
        'last_name=ge="MAX"',
        'last_name=le="MAX"',
    ],
)
def test_values_compare_case_insensitively(text):
    assert matches(text)


def test_vendor_docs_example():
    flt = parse('email=LIKE="%example%"')
    assert flt.matches({"email": "someone@example.org"}.get)
    assert not flt.matches({"email": "someone@test.org"}.get)


def test_vendor_docs_table_examples_parse():
    for text in [
        'age=="27"',
        'gender=ne="m"',
        'last_name=gt="g"',
        'rating=ge="2"',
        'statistic_mails_clicked=lt="5"',
        'email=like="%yahoo.com"',
        'phone=nlike=""',
        'group_ids=contains="rarr38sz"',
        'group_ids=ncontains="rarr38sz"',
        '"rarr38sz"=in=group_ids',
        '"rarr38sz"=nin=group_ids',
        'birthday=ge="1979-12-31";gender=="f"',
        '(group_ids=contains="rarr38sz",group_ids=CONTAINS="5cj9y8ub")',
        'opened_newsletter=NCONTAINS="lgw0tu7n"',
    ]:
        assert isinstance(parse(text), Filter)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # AND binds tighter than OR: a , (b ; c)
        ('gender=="m",rating=="0";first_name=="Moritz"', True),
        ('gender=="f",rating=="4";first_name=="Moritz"', False),
        ('gender=="f",rating=="4";first_name=="Max"', True),
        ('first_name=="Moritz";gender=="f",rating=="4"', True),
        # parentheses override it: (a , b) ; c
        ('(gender=="m",rating=="0");first_name=="Moritz"', False),
        ('(gender=="f",rating=="4");first_name=="Max"', True),
        ('gender=="m";(rating=="0",first_name=="Max")', True),
        ('((gender=="m"));(((rating=="4")))', True),
        ('(gender=="x",(rating=="9",(first_name=="Max";last_name=="max")))', True),
        # plain chains
        ('gender=="m";rating=="4";first_name=="Max"', True),
        ('gender=="m";rating=="5";first_name=="Max"', False),
        ('gender=="x",rating=="5",first_name=="Max"', True),
        ('gender=="x",rating=="5",first_name=="Moritz"', False),
    ],
)
def test_and_or_precedence_and_parentheses(text, expected):
    assert matches(text) is expected


def test_whitespace_around_tokens_is_tolerated():
    assert matches(' ( first_name == "Max" ; rating =gt= 3 ) , gender=="f" ')
    assert matches('first_name=in=( "x" , "max" )')
    assert matches('\tfirst_name\n==\r\n"Max"\n')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("first_name==last_name", True),
        ("first_name=ne=last_name", False),
        ("first_name==nickname", False),
        ("nickname=gt=first_name", True),
        ("first_name=lt=nickname", True),
        ("rating=gt=score", True),
        ("score=gt=rating", False),
        ("nickname=like=first_name", False),
        ("nickname=contains=first_name", True),
        ("first_name=in=nickname", True),
        ("phone==unknown_field", True),
        ("is_blacklisted=ne=is_unsubscribed", True),
        ("group_ids==group_ids", False),
    ],
)
def test_field_to_field(text, expected):
    assert matches(text) is expected


def test_field_to_field_like_uses_the_other_value_as_pattern():
    assert matches("email=like=pattern", {"email": "a@example.org", "pattern": "%@EXAMPLE.%"})
    assert not matches("email=like=pattern", {"email": "a@example.org", "pattern": "%@test.%"})


def test_field_to_field_membership():
    record = {"gid": "abc12345", "group_ids": ["ABC12345"], "other": ["x"]}
    assert matches("gid=in=group_ids", record)
    assert not matches("gid=in=other", record)
    assert matches("group_ids=contains=gid", record)
    assert matches("gid=nin=other", record)


def test_literal_on_the_left_is_mirrored():
    assert matches('"3"=lt=rating')
    assert not matches('"5"=lt=rating')
    assert matches('"4"=le=rating')
    assert matches('"Max"==first_name')
    assert matches("5=gt=rating")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('phone==""', True),
        ('phone=ne=""', False),
        ('phone=="x"', False),
        ('phone=ne="x"', True),
        ('phone=like=""', True),
        ('phone=like="%"', True),
        ('phone=nlike=""', False),
        ('phone=lt="a"', True),
        ('phone=contains="x"', False),
        ('phone=ncontains="x"', True),
        ('"x"=in=phone', False),
        ('"x"=nin=phone', True),
        ('phone=in=("")', False),
        ('phone=nin=("a","b")', True),
        ('never_set=="Max"', False),
        ('never_set==""', True),
    ],
)
def test_unset_values(text, expected):
    assert matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('is_blacklisted=="true"', True),
        ('is_blacklisted=="TRUE"', True),
        ('is_blacklisted=="1"', True),
        ("is_blacklisted==1", True),
        ('is_blacklisted=="false"', False),
        ('is_blacklisted=="0"', False),
        ('is_unsubscribed=="false"', True),
        ('is_unsubscribed=="0"', True),
        ('is_unsubscribed=="true"', False),
        ('is_blacklisted=="yes"', False),
        ('is_blacklisted=ne="yes"', True),
        ('is_blacklisted=ne="false"', True),
        ('is_blacklisted=ne="1"', False),
        ('is_blacklisted=in=("1")', True),
        ('is_blacklisted=in=("false","0")', False),
        ('is_unsubscribed=in=("false")', True),
    ],
)
def test_bool_coercion(text, expected):
    assert matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('rating=="4"', True),
        ('rating=="4.0"', True),
        ('rating==" 4 "', True),
        ("rating==4", True),
        ('rating=="04"', True),
        ('rating=="5"', False),
        ('rating=="four"', False),
        ('rating=ne="four"', True),
        ('rating=ne="4"', False),
        ('score=="2.5"', True),
        ('score=="2.50"', True),
        ("score==-2.5", False),
        ('rating=gt="10"', False),
        ('score=ge="2.5"', True),
    ],
)
def test_number_coercion(text, expected):
    assert matches(text) is expected


def test_ordering_is_numeric_only_when_both_sides_are_numbers():
    # a numeric field against a numeric literal: 4 < 10 numerically
    assert matches('rating=lt="10"')
    # a string field is compared as a string even with a number-like literal: "4" > "10"
    assert matches('code=gt="10"', {"code": "4"})
    # a non-numeric literal against a number falls back to string comparison
    assert matches('rating=lt="a"')
    # bool is not numeric: True orders as the text "true", which sorts after "5"
    assert matches("flag=gt=5", {"flag": True})


def test_large_numbers_do_not_overflow():
    assert matches('big=gt="1"', {"big": 10**400})
    assert matches("big=ne=1", {"big": 10**400})
    assert matches('n=lt="1e999"', {"n": 5})


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("%example%", "someone@example.org", True),
        ("%example", "someone@example.org", False),
        ("someone%", "someone@example.org", True),
        ("%", "", True),
        ("%", "anything", True),
        ("", "", True),
        ("", "x", False),
        ("M_x", "Max", True),
        ("M_x", "Maax", False),
        ("M__x", "Maax", True),
        ("_", "", False),
        ("%_%", "a", True),
        ("%_%", "", False),
        ("ma%mu%ORG", "Max.Mustermann@Example.org", True),
        ("%a%a%a%", "banana", True),
        ("%a%a%a%a%", "banana", False),
        ("a.c", "abc", False),
        ("a.c", "a.c", True),
        ("(x)*", "(x)*", True),
        ("[ab]", "a", False),
        ("line%", "line1\nline2", True),
        (r"100\%", "100%", True),
        (r"100\%", "1000", False),
        (r"\%%", "%off", True),
        (r"\%%", "off", False),
        (r"a\_b", "a_b", True),
        (r"a\_b", "axb", False),
        (r"%\_%", "first_name", True),
        (r"%\_%", "firstname", False),
        ("ABC", "abc", True),
    ],
)
def test_like_patterns(pattern, value, expected):
    source = pattern.replace("\\", "\\\\").replace('"', '\\"')
    assert matches(f'v=like="{source}"', {"v": value}) is expected
    assert matches(f'v=nlike="{source}"', {"v": value}) is not expected


def test_like_escapes_may_also_be_written_unescaped_in_the_string_literal():
    # `\%` is not a string-literal escape, so it reaches the LIKE pattern unchanged
    assert matches('v=like="100\\%"', {"v": "100%"})
    assert not matches('v=like="100\\%"', {"v": "1000"})


def test_like_on_numbers_and_bools_and_lists():
    assert matches('rating=like="4"')
    assert matches('score=like="2.%"')
    assert matches('is_blacklisted=like="true"')
    assert not matches('group_ids=like="%"')
    assert matches('group_ids=nlike="%"')


def test_like_regex_is_compiled_at_parse_time(monkeypatch):
    flt = parse('email=like="%example%"')

    def boom(pattern):
        raise AssertionError("compiled per record")

    monkeypatch.setattr(fiql, "_like_regex", boom)
    assert flt.matches({"email": "a@example.org"}.get)


def test_like_cannot_backtrack_catastrophically():
    flt = parse('v=like="' + "%a" * 40 + '%b"')
    started = time.perf_counter()
    assert not flt.matches({"v": "a" * 3000}.get)
    assert flt.matches({"v": "a" * 3000 + "b"}.get)
    assert time.perf_counter() - started < 1.0


def test_string_literal_escapes():
    assert matches(r'v=="say \"hi\""', {"v": 'say "hi"'})
    assert matches(r'v=="back\\slash"', {"v": "back\\slash"})
    assert matches('v=="a,b;c(d)e=f"', {"v": "a,b;c(d)e=f"})
    assert matches('v=="emoji 🎉 ümlaut"', {"v": "EMOJI 🎉 ÜMLAUT"})


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        (["a", "b"], 'v=contains="A"', True),
        (["ab"], 'v=contains="a"', False),
        ([], 'v=contains=""', False),
        ("ab", 'v=contains=""', True),
        ([1, 2], 'v=contains="2"', True),
        (12345, 'v=contains="234"', True),
        (True, 'v=contains="ru"', True),
    ],
)
def test_contains_edge_cases(value, text, expected):
    assert matches(text, {"v": value}) is expected


def test_field_names():
    flt = parse(
        '(first_name=="x",email=like="%a%");"g1"=in=group_ids;rating=gt=score,city=in=("a","b")'
    )
    assert flt.field_names() == frozenset(
        {"first_name", "email", "group_ids", "rating", "score", "city"}
    )
    assert parse('"x"=in=a.b').field_names() == frozenset({"a.b"})
    assert parse("first_name==last_name").field_names() == frozenset({"first_name", "last_name"})


def test_unquoted_words_are_field_names():
    assert parse("flag==true").field_names() == frozenset({"flag", "true"})
    assert not matches("flag==true", {"flag": True})
    assert matches('flag=="true"', {"flag": True})


def test_filter_is_immutable_and_reusable_across_threads():
    flt = parse('rating=ge="50";group_ids=contains="g"')
    assert flt.source == 'rating=ge="50";group_ids=contains="g"'
    with pytest.raises(dataclasses.FrozenInstanceError):
        flt.source = "x"
    records = [{"rating": i, "group_ids": ["g"] if i % 2 else []} for i in range(100)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda r: flt.matches(r.get), records))
    assert results == [i >= 50 and i % 2 == 1 for i in range(100)]
    assert parse(flt.source) == flt


def test_filter_error_is_a_value_error():
    assert issubclass(FilterError, ValueError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the filter is empty"),
        ("   ", "the filter is empty"),
        ("first_name==", r"expected a field name or a quoted value at position 13, found end"),
        ('first_name=="Max";', "expected a field name or a quoted value at position 19"),
        ('first_name=="Max",', "at position 19, found end of filter"),
        (';first_name=="Max"', "expected a field name or a quoted value at position 1, found ';'"),
        ("=like=", "at position 1, found '=like='"),
        ("first_name", "expected an operator such as '==' or '=like=' at position 11"),
        ('first_name "Max"', "expected an operator .* at position 12, found '\"Max\"'"),
        ('first_name=="Max")', r"unexpected '\)' at position 18"),
        ('(first_name=="Max"', r"'\(' at position 1 is never closed: expected '\)' at position 19"),
        ('((a=="1")', r"'\(' at position 1 is never closed"),
        ('(a=="1" b=="2")', r"expected '\)' at position 9, found 'b'"),
        ("()", r"at position 2, found '\)'"),
        ('first_name=="Max', "unterminated string starting at position 13"),
        ('a=="x\\"', "unterminated string starting at position 4"),
        ('first_name=foo="Max"', "unknown operator '=foo=' at position 11"),
        ('first_name=eq="Max"', "unknown operator '=eq='"),
        ('first_name="Max"', "unexpected character '=' at position 11; operators look like"),
        ('first_name!"Max"', "unexpected character '!' at position 11"),
        ('first_name=="Max" extra', "unexpected 'extra' at position 19"),
        ('first_name=="Max""Moritz"', "unexpected '\"Moritz\"' at position 18"),
        ('a=="1" # comment', "unexpected character '#' at position 8"),
        ('"Max"=="Max"', "comparison at position 1 names no field"),
        ("1==2", "names no field"),
        ('"a"=in=("a","b")', "names no field"),
        ('(a=="1");"a"=like=b', "comparison at position 10 needs a field name on the left"),
        ('"a"=contains=b', "needs a field name on the left of =contains="),
        ('a==("b")', "a list at position 4 is only allowed after =in=/=nin="),
        ('a=like=("b","c")', "only allowed after =in=/=nin="),
        ("a=in=()", r"expected a quoted value or a number in the list at position 7, found '\)'"),
        ('a=in=("b",)', r"in the list at position 11, found '\)'"),
        ('a=in=("b" "c")', r"expected ',' or '\)' in the list at position 11"),
        ('a=in=("b",c)', "expected a quoted value or a number in the list at position 11"),
        ('a=in=("b"', r"expected ',' or '\)' in the list at position 10, found end of filter"),
        ('"a"=in=(b)', "expected a quoted value or a number in the list"),
        ("1abc==2", "expected an operator"),
        ('DATE_FORMAT(created_at,"Y-m-d")=le="2017-09-06"', "at position 12, found '\\('"),
        ("-", "unexpected character '-' at position 1"),
        ("a===b", "unexpected character '='"),
        ("(" * 51 + 'a=="1"' + ")" * 51, "more than 50 nested parentheses at position 51"),
        ("x" * 4097, "longer than 4096 characters"),
    ],
)
def test_malformed_filters(text, message):
    with pytest.raises(FilterError, match=message):
        parse(text)


def test_long_token_is_abbreviated_in_messages():
    with pytest.raises(FilterError, match=r"unexpected '\"x{26}\.\.\.' at position 8"):
        parse('a=="b" "' + "x" * 200 + '"')


def test_non_string_filter_is_a_filter_error():
    with pytest.raises(FilterError, match="must be a string"):
        parse(None)


def test_limits_accept_what_is_within_them():
    nested = "(" * 50 + 'a=="1"' + ")" * 50
    assert parse(nested).matches({"a": 1}.get)
    chain = ";".join(['a=="1"'] * 580)
    assert len(chain) <= 4096
    assert parse(chain).matches({"a": "1"}.get)
    assert parse(",".join(['a=="2"'] * 580)).matches({"a": "2"}.get)


def test_deep_nesting_beyond_the_length_limit_is_rejected_without_recursion_error():
    with pytest.raises(FilterError):
        parse("(" * 100_000)
    with pytest.raises(FilterError):
        parse("(" * 4000)


FUZZ_PIECES = [
    "a",
    "b.c",
    "_x",
    "group_ids",
    '"x"',
    '"%y_"',
    '"\\""',
    '"\\\\"',
    '"1"',
    '"true"',
    "3",
    "-2.5",
    "==",
    "!=",
    "=ne=",
    "=GT=",
    "=ge=",
    "=lt=",
    "=le=",
    "=like=",
    "=NLIKE=",
    "=contains=",
    "=ncontains=",
    "=in=",
    "=nin=",
    "=foo=",
    '("a","b")',
    "(1,2)",
    "(",
    ")",
    ";",
    ",",
    " ",
    '"',
    "\\",
    "=",
    "!",
    "%",
    "-",
    ".",
    "#",
    "\n",
]
FUZZ_VALUES = [None, "", "x", "A%b", "true", 0, 1, -2.5, True, False, [], ["x", "a"], [1, "b"]]


def random_filter(rng, depth=0):
    """A syntactically valid filter (most of the time: `"x"=like=a` and literal pairs are not)."""
    if depth < 3 and rng.random() < 0.3:
        parts = [random_filter(rng, depth + 1) for _ in range(rng.randint(2, 3))]
        return "(" + rng.choice(";,").join(parts) + ")"
    op = rng.choice(FUZZ_PIECES[12:25])
    left = rng.choice([*FUZZ_PIECES[:4], '"x"'])
    right = rng.choice(FUZZ_PIECES[:12] + (FUZZ_PIECES[26:28] if "in" in op.lower() else []))
    return left + op + right


def test_fuzz_only_filter_errors_or_working_filters():
    rng = random.Random(20160406)
    parsed, messages = 0, []
    for _ in range(600):
        text = random_filter(rng)
        for _ in range(rng.choice([0, 0, 1, 3])):
            at = rng.randint(0, len(text))
            mutation = rng.choice(["insert", "delete", "replace"])
            piece = rng.choice(FUZZ_PIECES) if mutation != "delete" else ""
            text = text[:at] + piece + text[at + (mutation != "insert") :]
        try:
            flt = parse(text)
        except FilterError as error:
            messages.append(str(error))
            continue
        parsed += 1
        assert flt.field_names()
        for _ in range(5):
            record = {name: rng.choice(FUZZ_VALUES) for name in flt.field_names()}
            assert flt.matches(record.get) in (True, False)
    assert parsed > 200
    assert all("position" in message or "empty" in message for message in messages)


def test_fuzz_random_characters():
    rng = random.Random(7)
    alphabet = 'ab_.19-"\\()=;,! %\t=like=in='
    for _ in range(400):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 30)))
        with contextlib.suppress(FilterError):
            parse(text).matches({}.get)

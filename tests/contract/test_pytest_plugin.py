"""The pytest plugin, used exactly as the README tells an outside project to use it."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    text = README.read_text("utf-8")
    section = text[text.index("## Testing your own client against the mock") :]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readme_example_passes_in_an_outside_project(pytester):
    pytester.makepyfile(test_my_client=readme_example())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_broken_client_fails_in_an_outside_project(pytester):
    broken = readme_example().replace('/lists", json={"name": "Weekly"}', '/lists", json={}')
    assert broken != readme_example()
    pytester.makepyfile(test_my_client=broken)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)


def test_each_test_starts_from_a_clean_mock(pytester):
    pytester.makepyfile(
        test_clean="""
        import requests

        def _lists(credentials):
            client_id, _, secret = credentials.auth_key.partition(":")
            token = requests.post(
                f"{credentials.base_url}/oauth/v2/token", auth=(client_id, secret), timeout=10,
                json={"username": credentials.username, "password": credentials.password,
                      "grant_type": "https://nl2go.com/jwt"},
            ).json()["access_token"]
            return requests.Session(), {"Authorization": f"Bearer {token}"}

        def test_first_writes(n2g_credentials, n2g_control):
            session, headers = _lists(n2g_credentials)
            session.post(f"{n2g_credentials.base_url}/lists", json={"name": "Left over?"},
                         headers=headers, timeout=10)
            n2g_control.add_fault(method="GET", path="/lists", status=500)

        def test_second_sees_nothing_of_it(n2g_credentials, n2g_control):
            session, headers = _lists(n2g_credentials)
            body = session.get(f"{n2g_credentials.base_url}/lists?_expand=1",
                               headers=headers, timeout=10).json()
            assert [item["name"] for item in body["value"]] == ["Default"]
            assert n2g_control.faults() == []
            assert len(n2g_control.requests()) == 2
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_credentials_hide_the_password(n2g_credentials):
    assert n2g_credentials.password not in repr(n2g_credentials)
    assert n2g_credentials.as_env()["N2G_BASE_URL"] == n2g_credentials.base_url

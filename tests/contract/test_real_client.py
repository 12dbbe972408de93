"""A client that knows only the real service — base URL swapped, credentials from the environment
variables — can log in, create a list, add, page through, update, unsubscribe and delete contacts.

The mock runs as its real CLI (`python -m mock_n2g.cli serve`) in a subprocess; the client below is
plain `requests` against the documented API, with nothing mock-specific in it but the base URL.
"""

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.serving import serve_cli

AUTH_KEY = "real_client_id:real-client-secret-4711"
USERNAME = "journey@example.org"
PASSWORD = "journey-Pa55word!"
STARTUP_TIMEOUT = 15
HTTP_TIMEOUT = 10


class Service:
    """A minimal client of the real service: HTTP Basic for the token, Bearer and JSON after."""

    def __init__(self, base_url: str, auth_key: str, username: str, password: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        client_id, _, client_secret = auth_key.partition(":")
        response = self.session.post(
            f"{base_url}/oauth/v2/token",
            auth=(client_id, client_secret),
            json={
                "username": username,
                "password": password,
                "grant_type": "https://nl2go.com/jwt",
            },
            timeout=HTTP_TIMEOUT,
        )
        assert response.status_code == 200, response.text
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def call(self, method: str, path_or_url: str, expected: int = 200, **kwargs) -> dict:
        url = path_or_url if path_or_url.startswith("http") else self.base_url + path_or_url
        response = self.session.request(method, url, timeout=HTTP_TIMEOUT, **kwargs)
        assert response.status_code == expected, (
            f"{method} {url}: {response.status_code} {response.text}"
        )
        return response.json()


@pytest.fixture
def served():
    env = {
        "N2G_MOCK_AUTH_KEY": AUTH_KEY,
        "N2G_MOCK_USERNAME": USERNAME,
        "N2G_MOCK_PASSWORD": PASSWORD,
    }
    with serve_cli(env=env) as process:
        yield process


def test_a_real_client_journey_against_the_cli(served):
    base_url = served.url()
    env = served.env  # the client takes its credentials from the same variables as the server
    service = Service(
        base_url, env["N2G_MOCK_AUTH_KEY"], env["N2G_MOCK_USERNAME"], env["N2G_MOCK_PASSWORD"]
    )

    created = service.call("POST", "/lists", 201, json={"name": "Journey"})
    list_id = created["value"][0]["id"]
    assert created["value"][0]["_href"] == f"{base_url}/lists/{list_id}"

    people = [
        {"list_id": list_id, "email": f"contact-{n:03d}@example.org", "first_name": f"C{n}"}
        for n in range(120)
    ]
    added = service.call("POST", "/recipients", 201, json=people)
    assert added["info"]["count"] == 120
    assert added["info"]["additional"]["invalid_recipients"] == []

    pages, ids, url = [], [], f"/lists/{list_id}/recipients?_limit=50&_expand=true"
    while url:
        page = service.call("GET", url)
        pages.append(page)
        ids += [item["id"] for item in page["value"]]
        url = page["info"]["links"].get("_next")
        assert url is None or url.startswith(base_url), f"_next must point at the mock: {url}"
        assert len(pages) <= 10, "_next never ends"
    assert [len(page["value"]) for page in pages] == [50, 50, 20]
    assert len(set(ids)) == 120, "pages overlap or repeat contacts"
    assert all(page["info"]["count"] == 120 for page in pages)
    by_email = {item["email"]: item["id"] for page in pages for item in page["value"]}

    one = f"/lists/{list_id}/recipients/{by_email['contact-007@example.org']}"
    assert service.call("PATCH", one, json={"first_name": "Renamed"})["info"]["count"] == 1
    assert service.call("GET", one)["value"][0]["first_name"] == "Renamed"

    other = f"/lists/{list_id}/recipients/{by_email['contact-008@example.org']}"
    service.call("PATCH", other, json={"is_unsubscribed": True})
    summary = service.call("GET", f"/lists/{list_id}/recipients?_limit=1")
    assert summary["info"]["additional"]["active"] == 119, summary["info"]

    assert service.call("DELETE", one)["info"]["count"] == 1
    service.call("GET", one, 404)
    several = service.call(
        "DELETE", f"/lists/{list_id}/recipients", params={"_filter": 'email=like="contact-11%"'}
    )
    assert several["info"]["count"] == 10, "contact-110 … contact-119"
    left = service.call("GET", f"/lists/{list_id}/recipients?_limit=1")["info"]
    assert left["count"] == 109
    assert left["additional"]["active"] == 108

    assert service.call("DELETE", f"/lists/{list_id}")["info"]["count"] == 1
    service.call("GET", f"/lists/{list_id}", 404)

    assert served.interrupt() == 0, "n2g-mock serve must exit 0 on SIGINT"
    printed = "".join(served.output)
    assert "Newsletter2Go mock stopped" in printed
    for secret in (PASSWORD, AUTH_KEY, AUTH_KEY.partition(":")[2]):
        assert secret not in printed, "the server printed a credential"


def test_sigterm_stops_the_server_cleanly(served):
    base = served.url()
    assert requests.get(f"{base}/lists", timeout=5).status_code == 401
    assert served.interrupt(signal.SIGTERM) == 0
    assert "Newsletter2Go mock stopped" in "".join(served.output)


def test_console_script_help():
    script = Path(sys.executable).parent / "n2g-mock"
    assert script.exists(), f"console script not installed next to {sys.executable}"
    done = subprocess.run(
        [str(script), "serve", "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--port" in done.stdout

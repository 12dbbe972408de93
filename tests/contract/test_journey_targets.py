"""The journeys on the other targets: a mock at a URL, and a stand-in for a staging account."""

import os
import re
import subprocess
import sys
from pathlib import Path

import requests

from tests.serving import serve_cli

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = {
    "N2G_MOCK_AUTH_KEY": "stage_id:stage-secret-0815",
    "N2G_MOCK_USERNAME": "staging@example.org",
    "N2G_MOCK_PASSWORD": "staging-password-4711",
}
TIMEOUT = 300


def client_env(base_url: str) -> dict[str, str]:
    return {
        "N2G_BASE_URL": base_url,
        "N2G_AUTH_KEY": ACCOUNT["N2G_MOCK_AUTH_KEY"],
        "N2G_USERNAME": ACCOUNT["N2G_MOCK_USERNAME"],
        "N2G_PASSWORD": ACCOUNT["N2G_MOCK_PASSWORD"],
    }


def run_journeys(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("N2G_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/acceptance", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def counted(output: str, word: str) -> int:
    found = re.search(rf"(\d+) {word}", output)
    return int(found.group(1)) if found else 0


def account_snapshot(base_url: str) -> dict:
    """Every list of the account and the contacts of each, through the public API."""
    client_id, _, secret = ACCOUNT["N2G_MOCK_AUTH_KEY"].partition(":")
    token = requests.post(
        f"{base_url}/oauth/v2/token",
        auth=(client_id, secret),
        json={
            "username": ACCOUNT["N2G_MOCK_USERNAME"],
            "password": ACCOUNT["N2G_MOCK_PASSWORD"],
            "grant_type": "https://nl2go.com/jwt",
        },
        timeout=10,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    lists = requests.get(f"{base_url}/lists?_expand=1&_limit=500", headers=headers, timeout=10)
    snapshot = {}
    for item in lists.json()["value"]:
        contacts = requests.get(
            f"{base_url}/lists/{item['id']}/recipients?_expand=1&_limit=500",
            headers=headers,
            timeout=10,
        ).json()["value"]
        snapshot[item["id"]] = {"list": item, "contacts": contacts}
    return snapshot


def test_journeys_pass_against_a_mock_at_a_url():
    with serve_cli(env=ACCOUNT) as served:
        base_url = served.url()
        done = run_journeys(
            "--n2g-target=url", f"--n2g-base-url={base_url}", env=client_env(base_url)
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert counted(done.stdout, "passed") >= 30
    assert counted(done.stdout, "failed") == 0


def test_staging_target_passes_without_control_api_and_leaves_the_account_as_found():
    with serve_cli("--no-control", env=ACCOUNT) as served:
        base_url = served.url()
        assert requests.get(f"{base_url}/_mock/accounts", timeout=10).status_code == 404
        before = account_snapshot(base_url)
        done = run_journeys("--n2g-target=staging", env=client_env(base_url))
        after = account_snapshot(base_url)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert counted(done.stdout, "passed") >= 20
    assert counted(done.stdout, "deselected") >= 9  # every @mock_only journey
    assert counted(done.stdout, "failed") == 0
    assert after == before


def test_staging_target_refuses_to_start_without_the_settings():
    done = run_journeys("--n2g-target=staging", env={})
    assert done.returncode == 4  # pytest's usage error: nothing ran
    assert "passed" not in done.stdout
    output = done.stdout + done.stderr
    for name in ("N2G_BASE_URL", "N2G_AUTH_KEY", "N2G_USERNAME", "N2G_PASSWORD"):
        assert name in output

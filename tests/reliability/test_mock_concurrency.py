"""Test 9, the mock under concurrency: 8 threads of 500 mixed writes on `n2g-mock serve`.

Upserts of shared e-mail addresses (in varying case, with spaces, some with custom attributes)
into shared lists, patches by id and by filter (e-mail changes included), unsubscribes,
deletes, list creates and deletes, dynamic segment creates, with expanded reads in between,
while two more clients page through the shared lists. Afterwards: no list has two contacts
with one e-mail address (case-insensitive), `info.count` is the number of contacts read page
by page, and `info.additional.active` the number of them not unsubscribed; no request got a
5xx.
"""

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from tests.reliability.campaign import scaled, seed
from tests.serving import serve_cli

THREADS = 8
READERS = 2  # clients paging through the shared lists meanwhile
SEGMENTS = 40
SEGMENTS_PER_WRITER = 8
GROWING_ROUNDS = 80  # segments and attributes each grower adds while the readers read
WRITES = scaled(500, minimum=20)  # per thread
SHARED_LISTS = 4
ADDRESSES = 60
PAGE = 37  # an odd page size, so pages end anywhere
TIMEOUT = 60
AUTH = ("race_client", "race-secret")
ENV = {
    "N2G_MOCK_AUTH_KEY": ":".join(AUTH),
    "N2G_MOCK_USERNAME": "race@example.org",
    "N2G_MOCK_PASSWORD": "race-password",
    "N2G_MOCK_FORM_CODE": "race0001",
}
ERROR_KEYS = {"status", "code", "errorMessage"}
# operation → (weight, statuses it may get: 404 when a list or contact is gone meanwhile,
# 400 when an e-mail change meets an address the list has already)
OPERATIONS = {
    "upsert batch": (26, {201, 404}),
    "upsert one": (12, {200, 404}),
    "patch": (14, {200, 400, 404}),
    "change e-mail": (8, {200, 400, 404}),
    "unsubscribe": (10, {200, 404}),
    "patch by filter": (6, {200, 404}),
    "delete": (8, {200, 404}),
    "delete by filter": (4, {200, 404}),
    "create list": (6, {201}),
    "delete list": (4, {200, 404}),
    "create segment": (3, {201, 404}),
    "read": (0, {200, 404}),  # between writes, not counted as one
}


def login(base_url: str) -> str:
    response = requests.post(
        f"{base_url}/oauth/v2/token",
        auth=AUTH,
        json={
            "username": ENV["N2G_MOCK_USERNAME"],
            "password": ENV["N2G_MOCK_PASSWORD"],
            "grant_type": "https://nl2go.com/jwt",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@dataclass
class Shared:
    """What the threads know of each other's work (guarded by `lock`)."""

    shared_lists: list[str]
    created_lists: list[str] = field(default_factory=list)
    contacts: list[tuple[str, str]] = field(default_factory=list)  # (list id, contact id)
    statuses: Counter = field(default_factory=Counter)  # (operation, status)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Writer:
    def __init__(self, number: int, base_url: str, token: str, shared: Shared) -> None:
        self.base_url = base_url
        self.shared = shared
        self.random = random.Random(seed() * 1000 + number)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.number = number
        self.segments = 0

    # choices

    def address(self) -> str:
        email = f"shared{self.random.randrange(ADDRESSES)}@example.org"
        spelling = self.random.choice((str.lower, str.upper, str.capitalize))
        return spelling(email) + self.random.choice(("", "", " "))

    def a_list(self) -> str:
        with self.shared.lock:
            pool = self.shared.shared_lists + self.shared.created_lists[-4:]
        return self.random.choice(pool)

    def a_contact(self) -> tuple[str, str] | None:
        with self.shared.lock:
            if not self.shared.contacts:
                return None
            return self.random.choice(self.shared.contacts)

    def person(self) -> dict:
        entry = {"email": self.address(), "first_name": f"W{self.number}"}
        if self.random.random() < 0.3:  # custom attributes, new ones now and then
            entry[f"attr{self.random.randrange(40)}"] = f"v{self.random.randrange(9)}"
        if self.random.random() < 0.2:
            entry["is_unsubscribed"] = self.random.random() < 0.5
        return entry

    # one request

    def call(self, operation: str, method: str, path: str, body=None) -> requests.Response | None:
        try:
            response = self.session.request(
                method, self.base_url + path, json=body, timeout=TIMEOUT
            )
        except requests.RequestException as error:
            with self.shared.lock:
                self.shared.problems.append(f"{operation}: {method} {path}: {error!r}")
            return None
        problem = None
        if response.status_code not in OPERATIONS[operation][1]:
            problem = f"unexpected {response.status_code}: {response.text[:300]}"
        elif response.status_code >= 400:
            body_json = response.json()
            if set(body_json) != ERROR_KEYS or body_json["status"] != response.status_code:
                problem = f"{response.status_code} not in the error format: {body_json}"
        with self.shared.lock:
            self.shared.statuses[operation, response.status_code] += 1
            if problem:
                self.shared.problems.append(f"{operation}: {method} {path}: {problem}")
        return response

    # the operations

    def upsert_batch(self) -> None:
        list_id = self.a_list()
        entries = [{"list_id": list_id, **self.person()} for _ in range(self.random.randint(1, 12))]
        response = self.call("upsert batch", "POST", "/recipients", entries)
        self.remember(list_id, response)

    def upsert_one(self) -> None:
        list_id = self.a_list()
        response = self.call(
            "upsert one", "POST", "/recipients", {"list_id": list_id, **self.person()}
        )
        self.remember(list_id, response)

    def remember(self, list_id: str, response: requests.Response | None) -> None:
        if response is not None and response.status_code in (200, 201):
            ids = [item["id"] for item in response.json()["value"]]
            with self.shared.lock:
                self.shared.contacts.extend((list_id, contact_id) for contact_id in ids)
                del self.shared.contacts[:-400]  # the recent ones, so most still exist

    def patch(self, operation: str, fields: dict) -> None:
        contact = self.a_contact()
        if contact is None:
            return self.upsert_one()
        list_id, contact_id = contact
        self.call(operation, "PATCH", f"/lists/{list_id}/recipients/{contact_id}", fields)
        return None

    def by_filter(self, operation: str, method: str) -> None:
        flt = quote(f'email=="{self.address().strip()}"')
        body = {"is_unsubscribed": True} if method == "PATCH" else None
        self.call(operation, method, f"/lists/{self.a_list()}/recipients?_filter={flt}", body)

    def delete(self) -> None:
        contact = self.a_contact()
        if contact is None:
            return self.upsert_one()
        list_id, contact_id = contact
        self.call("delete", "DELETE", f"/lists/{list_id}/recipients/{contact_id}")
        return None

    def create_list(self) -> None:
        response = self.call("create list", "POST", "/lists", {"name": f"Race {self.number}"})
        if response is not None and response.status_code == 201:
            with self.shared.lock:
                self.shared.created_lists.append(response.json()["value"][0]["id"])

    def delete_list(self) -> None:
        with self.shared.lock:
            created = list(self.shared.created_lists)
        if not created:
            return self.create_list()
        self.call("delete list", "DELETE", f"/lists/{self.random.choice(created)}")
        return None

    def create_segment(self) -> None:
        """A dynamic segment: every contact's `group_ids` is worked out from it when read (a
        few per writer: each makes every read of its list slower)."""
        if self.segments >= SEGMENTS_PER_WRITER:
            return self.create_list()
        self.segments += 1
        body = {
            "list_id": self.a_list(),
            "name": f"Segment {self.number}.{self.segments}",
            "is_dynamic": True,
            "filter": f'email=like="%{self.random.randrange(10)}%"',
        }
        self.call("create segment", "POST", "/groups", body)
        return None

    def read(self) -> None:
        offset = self.random.choice((0, 0, PAGE))
        path = f"/lists/{self.a_list()}/recipients?_expand=1&_limit={PAGE}&_offset={offset}"
        self.call("read", "GET", path)

    def run(self, barrier: threading.Barrier) -> None:
        actions = {
            "upsert batch": self.upsert_batch,
            "upsert one": self.upsert_one,
            "patch": lambda: self.patch("patch", {"last_name": f"L{self.random.randrange(99)}"}),
            "change e-mail": lambda: self.patch("change e-mail", {"email": self.address()}),
            "unsubscribe": lambda: self.patch("unsubscribe", {"is_unsubscribed": True}),
            "patch by filter": lambda: self.by_filter("patch by filter", "PATCH"),
            "delete": self.delete,
            "delete by filter": lambda: self.by_filter("delete by filter", "DELETE"),
            "create list": self.create_list,
            "delete list": self.delete_list,
            "create segment": self.create_segment,
        }
        names = list(actions)
        weights = [OPERATIONS[name][0] for name in names]
        barrier.wait()
        for _ in range(WRITES):
            actions[self.random.choices(names, weights)[0]]()
            if self.random.random() < 0.25:
                self.read()


def keep_reading(base_url: str, token: str, shared: Shared, stop: threading.Event) -> None:
    """A second client paging through the shared lists, expanded, while the writers write."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    while not stop.is_set():
        for list_id in shared.shared_lists:
            url = f"{base_url}/lists/{list_id}/recipients?_expand=1&_limit=500"
            try:
                status = session.get(url, timeout=TIMEOUT).status_code
            except requests.RequestException as error:
                status = None
                with shared.lock:
                    shared.problems.append(f"reader: GET {url}: {error!r}")
            with shared.lock:
                shared.statuses["page through", status] += 1
                if status != 200:
                    shared.problems.append(f"reader: GET {url}: {status}")


def pages(session: requests.Session, url: str) -> tuple[list[dict], list[dict]]:
    """All items of a collection read page by page, and each page's `info`."""
    items, infos, offset = [], [], 0
    while True:
        response = session.get(f"{url}&_limit={PAGE}&_offset={offset}", timeout=TIMEOUT)
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
        body = response.json()
        items.extend(body["value"])
        infos.append(body["info"])
        offset += len(body["value"])
        if len(body["value"]) < PAGE:
            return items, infos


def invariant_problems(base_url: str, token: str) -> tuple[list[str], int, int]:
    """What breaks the rules of the account's lists; and how many lists and contacts it has."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    lists, _ = pages(session, f"{base_url}/lists?_expand=1")
    problems, total = [], 0
    for item in lists:
        url = f"{base_url}/lists/{item['id']}/recipients?_expand=1"
        contacts, infos = pages(session, url)
        total += len(contacts)
        where = f"list {item['id']} ({item['name']})"
        emails = Counter(contact["email"].strip().lower() for contact in contacts)
        doubled = {email: n for email, n in emails.items() if n > 1}
        if doubled:
            problems.append(f"{where}: several contacts with one e-mail address: {doubled}")
        ids = Counter(contact["id"] for contact in contacts)
        if len(ids) != len(contacts):
            problems.append(f"{where}: a contact on two pages: {ids.most_common(3)}")
        counts = {info["count"] for info in infos}
        if counts != {len(contacts)}:
            problems.append(f"{where}: info.count {sorted(counts)}, read {len(contacts)}")
        active = sum(1 for contact in contacts if not contact["is_unsubscribed"])
        actives = {info["additional"]["active"] for info in infos}
        if actives != {active}:
            problems.append(f"{where}: info.additional.active {sorted(actives)}, read {active}")
        flt = quote('is_unsubscribed=="false"')
        filtered, _ = pages(session, f"{url}&_filter={flt}")
        if len(filtered) != active:
            problems.append(f"{where}: {len(filtered)} match is_unsubscribed==false, not {active}")
    everyone, infos = pages(session, f"{base_url}/recipients?_expand=1")
    if len(everyone) != total or {info["count"] for info in infos} != {total}:
        problems.append(
            f"/recipients: {len(everyone)} read, count {infos[0]['count']}, not {total}"
        )
    return problems, len(lists), total


def test_eight_threads_of_mixed_writes_keep_every_list_consistent(record_property):
    with serve_cli(env=ENV) as served:
        base_url = served.url()
        token = login(base_url)
        owner = requests.Session()
        owner.headers["Authorization"] = f"Bearer {token}"
        shared_lists = []
        for number in range(SHARED_LISTS):
            response = owner.post(
                f"{base_url}/lists", json={"name": f"Shared {number}"}, timeout=10
            )
            assert response.status_code == 201, response.text
            shared_lists.append(response.json()["value"][0]["id"])
        shared = Shared(shared_lists)
        barrier = threading.Barrier(THREADS)
        writers = [Writer(number, base_url, token, shared) for number in range(THREADS)]
        threads = [threading.Thread(target=w.run, args=(barrier,)) for w in writers]
        stop = threading.Event()
        readers = [
            threading.Thread(target=keep_reading, args=(base_url, token, shared, stop))
            for _ in range(READERS)
        ]
        for thread in threads + readers:
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        for thread in readers:
            thread.join()

        server_errors = {key: n for key, n in shared.statuses.items() if key[1] >= 500}
        assert not server_errors, f"5xx answers: {server_errors}"
        assert not shared.problems, "\n".join(shared.problems[:20])
        problems, lists, contacts = invariant_problems(base_url, token)
        assert not problems, "\n".join(problems[:20])
        logged = [line for line in served.output if "unhandled error" in line]
        assert not logged, f"the mock logged errors: {logged[:5]}"

    writes = sum(
        n
        for (operation, _), n in shared.statuses.items()
        if operation in OPERATIONS and operation != "read"
    )
    by_status = Counter()
    for (_, status), n in shared.statuses.items():
        by_status[status] += n
    figures = (
        f"{THREADS} writers, {writes} writes, {shared.statuses.total() - writes} reads: "
        + ", ".join(f"{status}: {n}" for status, n in sorted(by_status.items()))
        + f"; end: {lists} lists, {contacts} contacts, every rule held"
    )
    print(f"\n[campaign concurrency] {figures}")
    record_property("campaign", figures)
    assert writes >= THREADS * WRITES, f"fewer writes than planned: {writes}"


def test_expanded_reads_while_segments_and_attributes_are_added_get_no_5xx(record_property):
    """Reading a contact works out its dynamic segments and lists its attributes: both may
    grow meanwhile (a read must not iterate them while a write changes them)."""
    with serve_cli(env=ENV) as served:
        base_url = served.url()
        token = login(base_url)
        owner = requests.Session()
        owner.headers["Authorization"] = f"Bearer {token}"
        response = owner.post(f"{base_url}/lists", json={"name": "Growing"}, timeout=10)
        list_id = response.json()["value"][0]["id"]
        people = [{"list_id": list_id, "email": f"g{i}@example.org"} for i in range(50)]
        assert owner.post(f"{base_url}/recipients", json=people, timeout=10).status_code == 201
        for number in range(SEGMENTS):  # many segments: each read takes a while
            segment = {
                "list_id": list_id,
                "name": f"Start {number}",
                "is_dynamic": True,
                "filter": f'email=like="%{number % 10}%"',
            }
            response = owner.post(f"{base_url}/groups", json=segment, timeout=10)
            assert response.status_code == 201, response.text
        statuses: Counter = Counter()
        lock = threading.Lock()
        done = threading.Event()

        def grow(number: int) -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            for round_ in range(GROWING_ROUNDS):
                segment = {
                    "list_id": list_id,
                    "name": f"Grow {number}.{round_}",
                    "is_dynamic": True,
                    "filter": 'email=like="%1%"',
                }
                values = [{**p, f"attr{number}x{round_}": "v"} for p in people]
                for path, body in (("/groups", segment), ("/recipients", values)):
                    status = session.post(base_url + path, json=body, timeout=TIMEOUT).status_code
                    with lock:
                        statuses["write", status] += 1

        def read() -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            url = f"{base_url}/lists/{list_id}/recipients?_expand=1&_limit=50"
            while not done.is_set():
                status = session.get(url, timeout=TIMEOUT).status_code
                with lock:
                    statuses["read", status] += 1

        growers = [threading.Thread(target=grow, args=(n,)) for n in range(3)]
        readers = [threading.Thread(target=read) for _ in range(4)]
        for thread in growers + readers:
            thread.start()
        for thread in growers:
            thread.join()
        done.set()
        for thread in readers:
            thread.join()
        logged = [line for line in served.output if "Error" in line]
    figures = ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(statuses.items()))
    record_property("campaign", figures)
    failed = {key: n for key, n in statuses.items() if key[1] not in (200, 201)}
    assert not failed, f"answers other than 200/201: {failed}; the mock logged: {logged[:3]}"

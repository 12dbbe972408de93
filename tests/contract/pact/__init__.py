"""Pact contracts: the sync's client (consumer `n2g-sync`) and Newsletter2Go (`newsletter2go`).

`test_consumer.py` writes `pacts/n2g-sync-newsletter2go.json` from the real `sync.client.Client`;
`test_provider.py` verifies it against the mock; `verify.py` verifies it against any base URL.
"""

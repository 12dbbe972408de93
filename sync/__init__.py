"""The interface PORTAL → Newsletter2Go: portal events and snapshots into lists and contacts.

client.py (+ http.py, auth.py) talks to the service; portal.py reads the portal's formats;
state.py is the local ledger; engine.py applies events, reconcile.py snapshots; cli.py is
`n2g-sync`.
"""

"""Phone notifications: what is pending goes to the phones, taps answer it.

Layout: `state` (what was sent to whom, the tap nonces; in runtime_data), `texts`
(translated texts), `payloads` (notify calls and action ids), `phones` (whose phone a
target is), `sender` (send, update, clear), `taps` (answer through the agent), `setup`
(wire them for an entry). Nothing is imported here, so models.py can hold the state.
"""

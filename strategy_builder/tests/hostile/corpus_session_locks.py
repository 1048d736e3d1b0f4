"""What a collaborator removed from a COLLABORATIVE session tries, to keep editing or keep the owner out:
(method, action) on the session. Each must answer 404 (the session is no longer theirs to see)."""

REMOVED_COLLABORATOR_ATTEMPTS = [
    ("post", "lock"),
    ("delete", "lock"),
    ("post", "heartbeat"),
    ("post", "save"),
    ("patch", ""),
    ("get", ""),
]

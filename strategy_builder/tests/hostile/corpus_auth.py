"""Ways a password guesser tries to look like someone new: forged proxy headers, many addresses of one
network, and other spellings of the same account name."""

# X-Forwarded-For values a client sends itself, hoping each is taken for a new client, each with the client
# the app must see when one trusted proxy forwarded the request (10.0.0.1, the socket's address): the last
# entry, the one the proxy wrote, when it is an address, else the proxy itself (no proxy wrote it).
PROXY = "10.0.0.1"
FORWARDED_FOR_AND_CLIENT_BEHIND_ONE_PROXY = [
    ("198.51.100.1", "198.51.100.1"),
    ("198.51.100.2, 198.51.100.3", "198.51.100.3"),
    ("2001:db8::1", "2001:db8::1"),
    ("2001:DB8:0:0::1", "2001:db8::1"),
    ("::ffff:198.51.100.6", "198.51.100.6"),
    ("unknown", PROXY),
    ("not-an-address", PROXY),
    ("", PROXY),
    (",,,", PROXY),
    (" 198.51.100.4 ", "198.51.100.4"),
    ("198.51.100.5:443", PROXY),
    ("[2001:db8::2]:443", PROXY),
    ("127.0.0.1", "127.0.0.1"),
    ("10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4", "10.0.0.4"),
    ("198.51.100.8\x00", PROXY),
    ("fe80::1%eth0", PROXY),
    ("fe80::1%" + "x" * 5000, PROXY),
    ("x" * 5000, PROXY),
]
FORGED_FORWARDED_FOR = [header for header, _ in FORWARDED_FOR_AND_CLIENT_BEHIND_ONE_PROXY]

# Entries a client behind the one trusted proxy puts in front of its real address (the proxy appends
# the real one), hoping the app reads the first.
PREPENDED_BY_THE_CLIENT = [
    "198.51.100.77",
    "203.0.113.1, 203.0.113.2",
    "127.0.0.1",
    "not-an-address",
    "2001:db8::77",
    "",
]

# One IPv6 subscriber is given a whole /64: each address of it is the same client.
ADDRESSES_OF_ONE_IPV6_NETWORK = [f"2001:db8:1:2::{n:x}" for n in range(1, 50)] + ["2001:db8:1:2:ffff:ffff:ffff:ffff"]

# The same client seen as an IPv4 address and as its IPv4-mapped IPv6 form (dual-stack sockets).
ONE_IPV4_CLIENT_TWO_WAYS = ["198.51.100.9", "::ffff:198.51.100.9"]

# Other spellings of the account name "alice". On MySQL/MariaDB, whose collations ignore case, accents and
# trailing spaces, most of them log in as alice; the forms strip spaces and the admin's applies NFKC. Case,
# spaces and compatibility forms count against alice on every database.
SPELLINGS_OF_ALICE = [
    "ALICE",
    "Alice",
    "aLiCe",
    " alice",
    "alice ",
    "\talice\n",
    "\uff41\uff4c\uff49\uff43\uff45",  # fullwidth letters: NFKC makes them "alice"
    "AL\u0130CE",  # dotted capital I
    "alice\u200b",  # zero-width space
]

# Account names longer than axes stores (255 characters) or than the user model allows (150).
OVERLONG_USERNAMES = ["a" * 151, "a" * 256, "a" * 10_000]

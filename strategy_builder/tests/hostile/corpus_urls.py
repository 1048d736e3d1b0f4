"""Requests to /api/ that no endpoint expects: unknown URLs, methods an endpoint lacks, a missing trailing
slash. Each must answer in the API's error shape (or a redirect that keeps the request), with DEBUG on too."""

INSTANCES = "/api/v1/strategy-instances/"

UNKNOWN_URLS = [
    ("get", "/api/v1/unknown/"),
    ("get", "/api/nothing"),
    ("post", "/api/v1/strategy-instances/x/y/z/"),
    ("delete", "/api/"),
    ("put", "/api/v1/"),
    ("get", "/api/v2/strategy-instances/"),
    ("options", "/api/v1/../../etc/passwd"),
    ("get", "/api/v1/strategy-instances/%00/%00/"),
    ("get", "/api/v1/" + "a" * 20_000 + "/"),
]
# Methods the endpoint does not have: a Django view (the browsable API's login), REST framework views.
WRONG_METHODS = [("patch", "/api/auth/login/"), ("delete", INSTANCES), ("post", "/api/schema/")]
# The docs pages render HTML; a JSON client posting to them still gets the error shape.
DOCS_PAGES = ["/api/docs/", "/api/redoc/"]
WRITE_METHODS = ["post", "put", "patch", "delete"]

"""Field names that look like the framework's own form fields but are not: each must still be refused as an
unknown field, in form data as in JSON, so the form exemption cannot smuggle a key past the check."""

LOOKALIKE_FORM_FIELDS = [
    "csrfmiddlewaretoken2",
    "CSRFMIDDLEWARETOKEN",
    "csrftoken",
    "_content_type2",
    "_Content",
    "_METHOD",
    "__method",
    "method",
    "csrfmiddlewaretoken\x00",
]

# The framework's own names, sent in a JSON body, where no framework puts them: misspelt fields there.
FRAMEWORK_FIELDS_IN_JSON = ["csrfmiddlewaretoken", "_content_type", "_content", "_method"]

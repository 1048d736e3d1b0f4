"""Project-wide test set-up. Settings demand a SECRET_KEY outside DEBUG; tests run with a throwaway one."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))

"""The browser app's API types are generated from the project's own OpenAPI schema (`make types`)."""

import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from conftest import REPO_ROOT, missing_service

FRONTEND = REPO_ROOT / "frontend"
TYPES = FRONTEND / "src" / "api" / "schema.d.ts"


def test_the_committed_api_types_match_the_openapi_schema(tmp_path: Path):
    generator = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists():
        missing_service(f"{generator} is missing: run `make test` (it runs npm ci in frontend/)")
    schema = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))

    fresh = tmp_path / "schema.d.ts"
    subprocess.run([str(generator), str(schema), "-o", str(fresh)], cwd=FRONTEND, check=True, capture_output=True)

    if fresh.read_text() != TYPES.read_text():
        pytest.fail("frontend/src/api/schema.d.ts is stale: the API changed. Regenerate it with `make types`.")

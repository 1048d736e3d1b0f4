"""The code-generation endpoints: generate (201, or 200 for a duplicate), list with the spec's filters,
detail, download, diff, delete, and isolation between users."""

import pytest
from rest_framework.test import APIClient

from codegen.choices import ValidationStatus
from codegen.models import CodeGeneration
from quicktests.tests.factories import ReferenceStrategyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/code-generations/"


def _generate(api, strategy, **body):
    return api.post(URL, {"instance": strategy.pk, **body}, format="json")


def test_post_generates_201_and_the_same_code_again_answers_200_with_the_same_generation(api, strategy):
    created = _generate(api, strategy)
    duplicate = _generate(api, strategy, parameters={"slow": 30})

    assert created.status_code == 201, created.json()
    assert duplicate.status_code == 200
    assert duplicate.json()["id"] == created.json()["id"]
    body = created.json()
    assert body["validation_status"] == "VALID"
    assert body["generated_code"].startswith('"""Strategy Golden cross')
    assert body["validation_result"]["security"]["passed"] is True
    assert body["parameters_snapshot"] == {"fast": 10, "slow": 30, "rsi_period": 14}


def test_post_refuses_unknown_fields_parameters_and_other_users_strategies(api, strategy, other_trader):
    foreign = ReferenceStrategyFactory(user=other_trader)

    typo = _generate(api, strategy, parameter={"fast": 3})
    unknown = _generate(api, strategy, parameters={"fastest": 3})
    not_mine = _generate(api, foreign)

    assert typo.status_code == unknown.status_code == not_mine.status_code == 400
    assert typo.json()["error"]["problems"][0]["field"] == "parameter"
    assert unknown.json()["error"]["problems"][0]["field"] == "parameters.fastest"
    assert not_mine.json()["error"]["problems"][0]["code"] == "unknown_instance"
    assert not CodeGeneration.objects.exists()


def test_an_invalid_flow_is_recorded_201_as_flow_error_with_its_problems(api, strategy):
    strategy.logic_flow["nodes"] = [n for n in strategy.logic_flow["nodes"] if n["id"] != "enter_long"]
    strategy.logic_flow["edges"] = [e for e in strategy.logic_flow["edges"] if e["target"] != "enter_long"]
    strategy.save()

    response = _generate(api, strategy)

    assert response.status_code == 201
    body = response.json()
    assert body["validation_status"] == "FLOW_ERROR" and body["generated_code"] == ""
    assert [p["code"] for p in body["validation_result"]["problems"]] == ["no_entry_signal"]


def test_list_is_the_users_own_newest_first_without_the_code(api, strategy, other_trader):
    first = _generate(api, strategy).json()["id"]
    second = _generate(api, strategy, parameters={"fast": 5}).json()["id"]
    other = APIClient()
    other.force_authenticate(other_trader)
    _generate(other, ReferenceStrategyFactory(user=other_trader))

    body = api.get(URL).json()

    assert [row["id"] for row in body["results"]] == [second, first]
    assert "generated_code" not in body["results"][0]


def test_filters_mirror_the_specs_common_queries(api, trader, strategy):
    other_strategy = ReferenceStrategyFactory(user=trader)
    valid = _generate(api, strategy).json()
    _generate(api, other_strategy)
    strategy.logic_flow["nodes"][0]["template"] = "nope"
    strategy.save()
    failed = _generate(api, strategy).json()

    history = api.get(URL, {"instance": strategy.pk}).json()["results"]
    failures = api.get(URL, {"validation_status": "FLOW_ERROR"}).json()["results"]
    by_hash = api.get(URL, {"code_hash": valid["code_hash"], "instance": strategy.pk}).json()["results"]

    assert [row["id"] for row in history] == [failed["id"], valid["id"]]
    assert [row["id"] for row in failures] == [failed["id"]]
    assert [row["id"] for row in by_hash] == [valid["id"]]
    assert api.get(URL, {"validation_status": "BOGUS"}).status_code == 400


def test_another_users_generation_answers_404_on_every_endpoint(api, other_trader):
    other = APIClient()
    other.force_authenticate(other_trader)
    theirs = _generate(other, ReferenceStrategyFactory(user=other_trader)).json()["id"]

    for suffix in ("", "download/", f"diff/?against={theirs}"):
        assert api.get(f"{URL}{theirs}/{suffix}").status_code == 404
    assert api.delete(f"{URL}{theirs}/").status_code == 404
    assert CodeGeneration.objects.filter(pk=theirs).exists()


def test_download_is_a_python_file_named_after_the_strategy(api, trader):
    strategy = ReferenceStrategyFactory(user=trader, name='Ünïcode "golden"\n../../cross')
    generation = _generate(api, strategy).json()

    response = api.get(f"{URL}{generation['id']}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-python; charset=utf-8"
    expected = f'attachment; filename="unicode_golden_cross_{generation["code_hash"][:8]}.py"'
    assert response["Content-Disposition"] == expected
    assert response.content.decode() == generation["generated_code"]


def test_only_code_that_passed_its_checks_is_downloadable(api, strategy):
    strategy.logic_flow["nodes"][0]["template"] = "nope"
    strategy.save()
    failed = _generate(api, strategy).json()

    response = api.get(f"{URL}{failed['id']}/download/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_downloadable"


def test_diff_between_two_generations_of_one_strategy(api, trader, strategy):
    old = _generate(api, strategy).json()["id"]
    new = _generate(api, strategy, parameters={"fast": 12}).json()["id"]

    response = api.get(f"{URL}{new}/diff/", {"against": old})
    same = api.get(f"{URL}{new}/diff/", {"against": new})

    assert response.status_code == 200
    body = response.json()
    assert (body["generation"], body["against"], body["identical"]) == (new, old, False)
    assert body["diff"].startswith(f"--- {old}.py\n+++ {new}.py\n")
    assert '\n-    "fast": 10,\n+    "fast": 12,\n' in body["diff"]
    assert same.json()["identical"] is True and same.json()["diff"] == ""


def test_diff_needs_another_generation_of_the_same_strategy(api, trader, strategy):
    mine = _generate(api, strategy).json()["id"]
    elsewhere = _generate(api, ReferenceStrategyFactory(user=trader)).json()["id"]

    missing = api.get(f"{URL}{mine}/diff/")
    other_strategy = api.get(f"{URL}{mine}/diff/", {"against": elsewhere})

    assert missing.status_code == other_strategy.status_code == 400
    assert missing.json()["error"]["problems"][0]["field"] == "against"
    assert "same strategy" in other_strategy.json()["error"]["problems"][0]["message"]


def test_delete_is_soft_and_the_code_can_be_generated_again(api, strategy):
    generation = _generate(api, strategy).json()["id"]

    assert api.delete(f"{URL}{generation}/").status_code == 204
    assert api.get(f"{URL}{generation}/").status_code == 404
    assert CodeGeneration.all_objects.get(pk=generation).is_deleted
    assert _generate(api, strategy).status_code == 201


def test_anonymous_requests_are_refused(strategy):
    response = APIClient().post(URL, {"instance": strategy.pk}, format="json")

    assert response.status_code == 401
    assert not CodeGeneration.objects.filter(validation_status=ValidationStatus.VALID).exists()

"""/openapi.json describes what the API really answers: a schema for success, problems for the rest."""

from __future__ import annotations

from typing import Any

from tests.conftest import Running

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}


async def _spec(running: Running) -> dict[str, Any]:
    answer = await running.client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, item in spec["paths"].items() if path.startswith("/api/")
            for method, operation in item.items()]


async def test_every_api_route_documents_its_answer_and_its_problems(running: Running) -> None:
    """Each /api operation has a 2xx schema, and each problem status it lists is problem+json."""
    spec = await _spec(running)
    operations = _operations(spec)
    assert len(operations) >= 17
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        success = [body for status, body in responses.items() if status.startswith("2")]
        assert success and all(body.get("content") for body in success), where
        assert any(media.get("schema") for body in success for media in body["content"].values()), where
        problems = {status: body for status, body in responses.items() if not status.startswith("2")}
        assert "500" in problems, where
        for status, body in problems.items():
            assert body["content"] == PROBLEM, f"{where} {status}"
            assert "Problem codes:" in body["description"], f"{where} {status}"
    assert "HTTPValidationError" not in spec["components"]["schemas"]


async def test_the_problem_schema_names_every_field_a_problem_carries(running: Running) -> None:
    """ProblemDetails lists the stable fields and allows the extra ones some problems add."""
    schema = (await _spec(running))["components"]["schemas"]["ProblemDetails"]
    stable = {"type", "title", "status", "code", "message_ko", "message_en", "detail"}
    assert set(schema["required"]) == stable
    assert {"field", "retry_after", "instance"} <= set(schema["properties"])
    assert schema.get("additionalProperties", True) is not False


async def test_routes_list_the_statuses_they_can_answer(running: Running) -> None:
    """A few routes, by hand: the statuses their refusals leave with are all documented."""
    paths = (await _spec(running))["paths"]
    expected = {
        ("/api/bookings", "post"): {"201", "400", "401", "403", "404", "409", "422", "500", "503"},
        ("/api/auth/verify", "post"): {"200", "400", "401", "403", "404", "409", "422", "429", "500", "503"},
        ("/api/line/join", "post"): {"200", "400", "401", "403", "409", "410", "422", "500", "503"},
        ("/api/line/status", "get"): {"200", "400", "401", "403", "422", "500", "503"},
        ("/api/bookings/me", "delete"): {"200", "400", "401", "403", "404", "422", "500", "503"},
    }
    for (path, method), statuses in expected.items():
        assert set(paths[path][method]["responses"]) == statuses, (path, method)


async def test_the_clinic_list_documents_json_and_csv(running: Running) -> None:
    """The clinic's day list answers JSON by default and CSV when asked; both are documented."""
    ok = (await _spec(running))["paths"]["/api/clinics/{clinic_id}/bookings"]["get"]["responses"]["200"]
    assert set(ok["content"]) == {"application/json", "text/csv"}

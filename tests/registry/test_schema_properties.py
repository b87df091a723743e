"""Property tests from the OpenAPI schema (schemathesis): no generated request, signed in as any
role or not at all, gets a 5xx. Bounded: a few examples per operation, no shrinking database."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.registry.conftest import World

EXAMPLES = 12


def test_no_server_error_on_generated_requests(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30, "the OpenAPI schema lost operations"
    failures: list[str] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), who=st.sampled_from(["public", "regulator", "auditor", "platform_b"]))
        def run(case: schemathesis.Case, who: str) -> None:
            response = case.call(headers=world.auth(who))
            if response.status_code >= 500:
                failures.append(f"{case.operation.label} as {who}: {response.status_code} {case.as_curl_command()}")

        run()
    assert failures == []


@pytest.mark.parametrize("path", ["/openapi.json"])
def test_the_schema_is_published(world: World, path: str) -> None:
    assert world.client.get(path).status_code == 200

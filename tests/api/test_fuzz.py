"""No request ever yields a 500: random bodies, query strings and path values against every operation."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.server import RunningApp
from tests.support.tenants import create_tenant

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
path_values = st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s),
                        st.sampled_from(["reset", "remote-start-transaction", "get-configuration", "x", "Reset"]))


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, list[str], list[str]]]:
    ops = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            ops.append((method.upper(), path, re.findall(r"{(\w+)}", path), query))
    return ops


def test_no_request_yields_a_server_error(running_app: RunningApp) -> None:
    _, _, key = asyncio.run(create_tenant(running_app))
    with httpx.Client(base_url=running_app.http_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as api:
        spec = api.get("/api/v1/openapi.json").json()
        operations = _operations(spec)
        assert len(operations) >= 15

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(op=st.sampled_from(operations), body=json_values, values=st.lists(path_values, min_size=3, max_size=3),
               query=st.dictionaries(st.text(min_size=1, max_size=15), st.text(max_size=20), max_size=3),
               known_query=st.lists(st.text(max_size=20), min_size=8, max_size=8))
        def check(op: tuple[str, str, list[str], list[str]], body: Any, values: list[str], query: dict[str, str],
                  known_query: list[str]) -> None:
            method, path, names, query_names = op
            for name, value in zip(names, values, strict=False):
                path = path.replace("{" + name + "}", quote(value, safe=""))
            params = {**query, **dict(zip(query_names, known_query, strict=False))}
            # timeout=1 keeps a command to a never-connected charger from waiting long
            if "commands" in path:
                params["timeout"] = "1"
            with_body = method in {"POST", "PATCH", "PUT"}
            response = api.request(method, path, params=params, json=body if with_body else None)
            assert response.status_code < 500, (method, path, params, body, response.text)

        check()

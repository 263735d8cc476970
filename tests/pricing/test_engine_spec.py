"""Reading tariffs: every mistake is refused with the field at fault and what is wrong with it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chargeplane.domain.errors import Invalid
from chargeplane.domain.pricing.spec import spec_from_json, spec_to_json

GOOD: dict[str, Any] = {
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "FLAT", "price": 0.5, "vat": 22, "step_size": 1}]},
        {
            "price_components": [{"type": "ENERGY", "price": "0.20", "vat": 22, "step_size": 1}],
            "restrictions": {
                "start_time": "22:00", "end_time": "07:00", "start_date": "2024-01-01", "end_date": "2025-01-01",
                "min_kwh": 0, "max_kwh": 50, "min_power": 0, "max_power": 50.5, "min_duration": 0,
                "max_duration": 7200, "day_of_week": ["SATURDAY", "SUNDAY"],
            },
        },
        {"price_components": [{"type": "TIME", "price": 1.2, "step_size": 60},
                              {"type": "PARKING_TIME", "price": 6, "step_size": 300}]},
    ],
    "min_price": {"excl_vat": "1.00", "incl_vat": "1.22"},
    "max_price": {"excl_vat": 30},
}


def test_round_trip() -> None:
    spec = spec_from_json(GOOD)
    assert spec_from_json(spec_to_json(spec)) == spec
    assert str(spec.elements[0].price_components[0].price) == "0.5"  # a float read exactly as written
    assert not spec.is_free


def test_a_whole_ocpi_tariff_is_read_and_extra_top_level_keys_ignored() -> None:
    spec = spec_from_json({**GOOD, "id": "12", "country_code": "EE", "party_id": "CPL", "discount_percent": "5"})
    assert spec == spec_from_json(GOOD)


def test_no_elements_is_free() -> None:
    assert spec_from_json({"currency": "EUR", "elements": []}).is_free


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (["currency"], "euro", "currency", "three capital letters"),
        (["elements"], "x", "elements", "list"),
        (["elements", 0, "price_components"], [], "elements[0].price_components", "at least one"),
        (["elements", 0, "price_components", 0, "type"], "RESERVATION", "elements[0].price_components[0].type",
         "unknown price component type"),
        (["elements", 0, "price_components", 0, "price"], -1, "elements[0].price_components[0].price", "negative"),
        (["elements", 0, "price_components", 0, "price"], "abc", "elements[0].price_components[0].price",
         "not a number"),
        (["elements", 0, "price_components", 0, "price"], None, "elements[0].price_components[0].price", "required"),
        (["elements", 0, "price_components", 0, "vat"], 101, "elements[0].price_components[0].vat", "0 and 100"),
        (["elements", 0, "price_components", 0, "step_size"], 0, "elements[0].price_components[0].step_size",
         "at least 1"),
        (["elements", 0, "price_components", 0, "stepsize"], 1, "elements[0].price_components[0].stepsize",
         "unknown field"),
        (["elements", 1, "restrictions", "start_time"], "7:00", "elements[1].restrictions.start_time", "HH:MM"),
        (["elements", 1, "restrictions", "end_time"], "24:00", "elements[1].restrictions.end_time", "HH:MM"),
        (["elements", 1, "restrictions", "end_time"], "22:00", "elements[1].restrictions.end_time", "equal"),
        (["elements", 1, "restrictions", "start_date"], "2025-02-01", "elements[1].restrictions.start_date",
         "before end_date"),
        (["elements", 1, "restrictions", "end_date"], "2025-02-30", "elements[1].restrictions.end_date",
         "YYYY-MM-DD"),
        (["elements", 1, "restrictions", "min_kwh"], 60, "elements[1].restrictions.min_kwh", "below max_kwh"),
        (["elements", 1, "restrictions", "min_power"], 51, "elements[1].restrictions.min_power", "below max_power"),
        (["elements", 1, "restrictions", "min_duration"], 9000, "elements[1].restrictions.min_duration",
         "below max_duration"),
        (["elements", 1, "restrictions", "max_duration"], 1.5, "elements[1].restrictions.max_duration", "seconds"),
        (["elements", 1, "restrictions", "day_of_week"], ["MONDAY", "Funday"],
         "elements[1].restrictions.day_of_week[1]", "unknown day"),
        (["elements", 1, "restrictions", "min_current"], 6, "elements[1].restrictions.min_current", "not supported"),
        (["min_price"], {"excl_vat": 40}, "min_price.excl_vat", "above max_price"),
        (["min_price", "incl_vat"], "0.50", "min_price.incl_vat", "below excl_vat"),
        (["max_price"], 30, "max_price", "excl_vat"),
    ],
)
def test_mistakes_are_explained(path: list[Any], value: Any, field: str, words: str) -> None:
    with pytest.raises(Invalid) as caught:
        spec_from_json(_with(path, value))
    assert caught.value.details["field"] == field
    assert words in caught.value.message

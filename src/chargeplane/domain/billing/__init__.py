"""Invoices and credit notes: drafted from CDRs, numbered without gaps when issued, rendered per region."""

from chargeplane.domain.billing import guards as _guards  # noqa: F401 - the frozen-invoice rule, always on

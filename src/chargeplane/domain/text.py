"""Text fields of API bodies: PostgreSQL cannot store a NUL character, so text holding one is refused
as invalid input (422) rather than failing in the database (500). A pattern, not a validator
function, so that `Field(max_length=...)` composes with it as with a plain `str`."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]

"""A column that stores a StrEnum as its string and reads it back as the enum member.

The database keeps plain readable words (an auditor reads 'signed', not 3); the code
gets typed values, and writing a word that is not a member fails before the database.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa

E = TypeVar("E", bound=StrEnum)


class EnumText(sa.types.TypeDecorator[E]):
    impl = sa.String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> E | None:
        return None if value is None else self.enum(value)

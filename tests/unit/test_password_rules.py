"""The password rule every path that sets one applies (signup, change, an admin's reset)."""

import pytest

from services.common.errors import ServiceError
from services.intake.accounts import MAX_PASSWORD, MIN_PASSWORD, check_password


def test_too_short_and_too_long_are_refused_with_the_field_named() -> None:
    check_password("x" * MIN_PASSWORD)
    check_password("x" * MAX_PASSWORD)
    for wrong in ("x" * (MIN_PASSWORD - 1), "x" * (MAX_PASSWORD + 1)):
        with pytest.raises(ServiceError) as refused:
            check_password(wrong, "new_password")
        assert refused.value.status == 422 and refused.value.extra["field"] == "new_password"

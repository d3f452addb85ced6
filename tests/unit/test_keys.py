import pytest

from domain.usage import PRODUCT_CODE, validate_company_key


@pytest.mark.parametrize("key", ["customer_a", "customer 3", "a", "acme.eu:prod-1"])
def test_external_keys_may_hold_single_inner_spaces(key: str) -> None:
    assert validate_company_key(key) == []


@pytest.mark.parametrize("key", ["", " customer", "customer ", "customer  3", "a/b", "x" * 129])
def test_bad_external_keys_are_refused(key: str) -> None:
    (error,) = validate_company_key(key)
    assert error.field == "externalKey"


def test_product_codes_start_with_a_letter() -> None:
    assert PRODUCT_CODE.match("product A")
    assert not PRODUCT_CODE.match("9 lives")
    assert not PRODUCT_CODE.match("product  A")

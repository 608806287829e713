"""Document numbers: accepted in the forms people type them, refused with a reason otherwise."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from safezone.people import validators as v


@given(st.integers(min_value=1_001_999, max_value=999_999_999))
def test_every_snils_with_correct_check_digits_is_accepted_in_any_common_spelling(number):
    first = f"{number:09d}"
    digits = f"{first}{v.snils_checksum(first):02d}"
    assert v.normalize_snils(digits) == digits
    assert v.normalize_snils(v.format_snils(digits)) == digits
    assert v.normalize_snils(f"{first[:3]} {first[3:6]} {first[6:]}-{digits[9:]}") == digits


@given(st.integers(min_value=1_001_999, max_value=999_999_999), st.integers(min_value=1, max_value=99))
def test_a_snils_with_wrong_check_digits_is_refused(number, shift):
    first = f"{number:09d}"
    wrong = (v.snils_checksum(first) + shift) % 100
    with pytest.raises(ValidationError) as exc:
        v.normalize_snils(f"{first}{wrong:02d}")
    assert exc.value.code == "checksum"


def test_a_known_snils_is_accepted():
    assert v.normalize_snils("112-233-445 95") == "11223344595"


@pytest.mark.parametrize("text", ["", "123", "1122334459a", "112-233-445 9500"])
def test_a_snils_of_the_wrong_shape_is_refused(text):
    with pytest.raises(ValidationError) as exc:
        v.normalize_snils(text)
    assert exc.value.code == "format"


def test_old_snils_numbers_without_check_digits_are_accepted():
    assert v.normalize_snils("001-001-998 00") == "00100199800"


@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_every_inn_with_correct_check_digits_is_accepted(number):
    first = f"{number:010d}"
    digits = first + v.inn_checksum(first)
    assert v.normalize_inn(digits) == digits


def test_an_inn_with_a_wrong_check_digit_is_refused():
    first = "3525000000"
    good = first + v.inn_checksum(first)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError):
        v.normalize_inn(bad)


@pytest.mark.parametrize("text", ["19 04 123456", "1904123456", "1904-123456"])
def test_passport_numbers_are_stored_as_ten_digits(text):
    assert v.normalize_passport(text) == "1904123456"
    assert v.format_passport("1904123456") == "19 04 123456"


@pytest.mark.parametrize(
    "text, stored",
    [
        ("IV-ВО 123456", "IV-ВО 123456"),
        ("iv-во123456", "IV-ВО 123456"),
        ("IVCO 123456", "IV-СО 123456"),  # Latin C and O typed in the series
        ("ХII-АБ 000001", "XII-АБ 000001"),  # Cyrillic Х typed in the Roman numeral
    ],
)
def test_birth_certificates_are_normalised(text, stored):
    assert v.normalize_birth_certificate(text) == stored


@pytest.mark.parametrize("text", ["", "123456", "IV-В 123456", "IV-ВО 12345"])
def test_malformed_birth_certificates_are_refused(text):
    with pytest.raises(ValidationError):
        v.normalize_birth_certificate(text)


def test_medical_policy_numbers_have_sixteen_digits():
    assert v.normalize_oms("1234 5678 9012 3456") == "1234567890123456"
    with pytest.raises(ValidationError):
        v.normalize_oms("123")

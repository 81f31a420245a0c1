"""Data quality: emails validated and normalised, phones in E.164, the same in add, edit and import."""

from __future__ import annotations


import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from minicrm.errors import InvalidValue
from minicrm.services.values import normalise_email, normalise_phone


@pytest.mark.parametrize("typed, stored", [
    ("Ann@Example.COM", "ann@example.com"),
    ("  ann.lee+cakes@bakery.example ", "ann.lee+cakes@bakery.example"),
    ("müller@Bäcker.de", "müller@bäcker.de"),
])  # fmt: skip
def test_emails_are_normalised(typed, stored):
    assert normalise_email(typed) == stored


@pytest.mark.parametrize("typed", ["x", "a@b", "ann@localhost", "a..b@x.example", "ann@work.test",
                                   "ann@@x.example", "ann lee@x.example", "a@x.invalid", "@x.example"])
def test_invalid_emails_are_refused_with_a_reason(typed):
    with pytest.raises(InvalidValue) as error:
        normalise_email(typed)
    assert "is not an email address (" in str(error.value)


@settings(max_examples=150, deadline=None)
@example("0@00--0.aa")  # a label with -- at positions 3-4 is reserved (IDNA): email-validator refuses it
@example("a@xn--bcher-kva.example")  # punycode: email-validator returns it in Unicode
@given(st.emails() | st.from_regex(r"[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9.-]{1,20}\.[A-Za-z]{2,6}", fullmatch=True))
def test_the_fast_path_agrees_with_email_validator(address):
    """Plain addresses skip email-validator: it must accept them and normalise them the same way."""
    from email_validator import EmailNotValidError, validate_email

    try:
        expected = validate_email(address, check_deliverability=False, allow_smtputf8=True).normalized.lower()
    except EmailNotValidError:
        expected = None
    try:
        got = normalise_email(address)
    except InvalidValue:
        got = None
    assert got == expected


@pytest.mark.parametrize("typed, region, stored", [
    ("+44 20 7946 0958", None, "+442079460958"),
    ("+44 (0)20 7946-0958", None, "+442079460958"),
    ("0044 20 7946 0958", None, "+442079460958"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("(415) 555-0132", "us", "+14155550132"),
    ("+44 20 7946 0958 ext. 12", None, "+442079460958;ext=12"),
])  # fmt: skip
def test_phones_are_stored_in_e164(typed, region, stored):
    assert normalise_phone(typed, region) == stored


def _international_numbers():
    import phonenumbers

    examples = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                examples.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
    return examples


@settings(max_examples=300, deadline=None)
@example("+52 1 55 1234 5678", [], "")  # Mexico's old mobile prefix: a full parse strips the 1
@example("+39 06 6982 1234", [], "")  # Italy keeps its leading 0
@given(st.sampled_from(_international_numbers()), st.lists(st.tuples(st.integers(0, 30), st.integers(0, 9)),
                                                            max_size=2), st.sampled_from(["", "1", "-1"]))
def test_the_phone_fast_path_agrees_with_a_full_parse(written, edits, tail):
    """Numbers written +<country> <digits> skip phonenumbers.parse: the result must be the same."""
    import phonenumbers

    chars = list(written)
    digits = [i for i, ch in enumerate(chars) if ch.isdigit()][2:]
    for where, digit in edits:
        if digits:
            chars[digits[where % len(digits)]] = str(digit)
    typed = "".join(chars)
    typed = typed[:-1] if tail == "-1" else typed + tail
    try:
        number = phonenumbers.parse(typed, None)
        expected = (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                    if phonenumbers.is_valid_number(number) else None)  # fmt: skip
    except phonenumbers.NumberParseException:
        expected = None
    try:
        got = normalise_phone(typed)
    except InvalidValue:
        got = None
    assert got == expected


@pytest.mark.parametrize("typed, region, message", [
    ("020 7946 0958", None, "has no country code"),
    ("call me", "GB", "is not a phone number"),
    ("+44 20 0000", None, "is not a valid phone number"),
    ("12", "GB", "is not a phone number"),
    ("020 7946 0958", "England", "is not a country for phone numbers"),
])  # fmt: skip
def test_bad_phones_are_refused(typed, region, message):
    with pytest.raises(InvalidValue, match=message):
        normalise_phone(typed, region)


def test_add_edit_and_import_apply_the_same_rules(cli, tmp_path):
    result = cli("add", "Ann", "--phone", "020 7946 0958", "--json")
    assert result.exit_code == 0
    assert result.stderr == ("Warning: the phone '020 7946 0958' is kept as typed, unverified: it has no country "
                             "code and no region is set (e.g. minicrm config region GB).\n")  # fmt: skip
    assert result.json()["unverified_phones"] == ["020 7946 0958"]
    cli.ok("rm", "ann", "--yes")
    ann = cli.ok("add", "Ann", "--phone", "020 7946 0958", "--email", "ANN@Example.com", "--json",
                 env={"MINICRM_REGION": "GB"}).json()  # fmt: skip
    assert (ann["phones"], ann["emails"]) == (["+442079460958"], ["ann@example.com"])
    edited = cli.ok("edit", "ann", "--phone", "(415) 555-0132", "--remove-phone", "+44 20 7946 0958", "--json",
                    env={"MINICRM_REGION": "US"}).json()  # fmt: skip
    assert edited["phones"] == ["+14155550132"]
    assert cli("edit", "ann", "--email", "ann@work.test").exit_code == 1
    source = tmp_path / "in.csv"
    source.write_text("name,phone,email\nBob,030 901820,BOB@Example.com\n")
    assert "has no country code" in cli("import", source, "--strict").stderr
    cli.ok("import", source, "--region", "DE")
    bob = cli.ok("show", "bob", "--json").json()
    assert (bob["phones"], bob["emails"]) == (["+4930901820"], ["bob@example.com"])


def test_names_are_trimmed(cli):
    assert cli.ok("add", "  Ann   Lee  ", "--json").json()["name"] == "Ann   Lee"

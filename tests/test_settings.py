"""minicrm config: the business's settings in the database, defaults from the locale."""

from __future__ import annotations

import pytest

from minicrm.services.settings import listing, locale_of


def settings_of(result) -> dict[str, tuple[str | None, str]]:
    return {s["key"]: (s["value"], s["source"]) for s in result.json()}


@pytest.mark.parametrize("env, expected", [
    ({}, {"region": (None, "default"), "currency": (None, "default"), "date_order": ("YMD", "default"),
          "decimal": (".", "default")}),
    ({"LANG": "C.UTF-8"}, {"region": (None, "default"), "currency": (None, "default"),
                           "date_order": ("YMD", "default"), "decimal": (".", "default")}),
    ({"LANG": "de_DE.UTF-8"}, {"region": ("DE", "locale"), "currency": ("EUR", "locale"),
                               "date_order": ("DMY", "locale"), "decimal": (",", "locale")}),
    ({"LANG": "en_US.UTF-8"}, {"region": ("US", "locale"), "currency": ("USD", "locale"),
                               "date_order": ("MDY", "locale"), "decimal": (".", "locale")}),
    ({"LANG": "en_GB.UTF-8"}, {"region": ("GB", "locale"), "currency": ("GBP", "locale"),
                               "date_order": ("DMY", "locale"), "decimal": (".", "locale")}),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, {"region": ("FR", "locale"), "currency": ("EUR", "locale"),
                                                       "date_order": ("DMY", "locale"), "decimal": (",", "locale")}),
    ({"LANG": "en_US.UTF-8", "LC_NUMERIC": "de_DE.UTF-8", "LC_TIME": "ja_JP.UTF-8"},
     {"region": ("US", "locale"), "currency": ("USD", "locale"), "date_order": ("YMD", "locale"),
      "decimal": (",", "locale")}),
    ({"LANG": "de_CH.UTF-8"}, {"region": ("CH", "locale"), "currency": ("CHF", "locale"),
                               "date_order": ("DMY", "locale"), "decimal": (".", "locale")}),
])  # fmt: skip
def test_defaults_come_from_the_locale(cli, env, expected):
    found = settings_of(cli.ok("config", "--json", env=env))
    assert {key: value for key, value in found.items() if not key.startswith("mail.")} == expected
    # the mail channel's settings have no locale default
    assert {key: value for key, value in found.items() if key.startswith("mail.")} == {
        "mail.me": (None, "default"), "mail.host": (None, "default"), "mail.port": ("587", "default"), "mail.security": ("starttls", "default"),
        "mail.from": (None, "default"), "mail.to": (None, "default"), "mail.user": (None, "default"),
        "mail.password_file": (None, "default")}


@pytest.mark.parametrize("value, found", [
    ("de_DE.UTF-8", ("de", "DE")), ("pt_BR", ("pt", "BR")), ("sr_RS@latin", ("sr", "RS")), ("fr", ("fr", "")),
    ("C", None), ("POSIX", None), ("C.UTF-8", None), ("", None), ("??", None),
])  # fmt: skip
def test_locale_names_are_read_as_language_and_territory(value, found):
    assert locale_of({"LANG": value}) == found


def test_a_setting_in_the_database_beats_the_locale_and_the_environment_beats_it_for_one_run(cli):
    de = {"LANG": "de_DE.UTF-8"}
    assert cli.ok("config", "region", "gb", "--json", env=de).json() == {
        "key": "region", "value": "GB", "source": "database",
        "description": "country of phone numbers typed without +country (ISO 3166, e.g. GB)"}  # fmt: skip
    assert settings_of(cli.ok("config", "--json", env=de))["region"] == ("GB", "database")
    result = cli.ok("config", "region", "--json", env={**de, "MINICRM_REGION": "us"})
    assert (result.json()["value"], result.json()["source"]) == ("US", "environment")
    result = cli("config", "--unset", "region", env=de)
    assert result.exit_code == 0
    assert result.stderr == "Removed region from the database; now DE from the locale.\n"
    assert result.rows() == [["region", "DE", "locale", "country of phone numbers typed without +country "
                                                        "(ISO 3166, e.g. GB)"]]  # fmt: skip
    assert cli.ok("config", "--unset", "region").stderr == "region was not set in the database.\n"


def test_the_region_places_phones_typed_without_a_country_code(cli):
    us = {"LANG": "en_US.UTF-8"}
    bob = cli("add", "Bob", "--phone", "(415) 555-0132", "--json", env=us)
    assert (bob.exit_code, bob.stderr, bob.json()["phones"]) == (0, "", ["+14155550132"])
    cli.ok("config", "region", "DE")
    ann = cli("add", "Ann", "--phone", "030 901820", "--json", env=us)
    assert (ann.stderr, ann.json()["phones"]) == ("", ["+4930901820"])  # the database beats the locale


@pytest.mark.parametrize("args, message", [
    (["config", "colour", "red"], "'colour' is not a setting. Use one of: region, currency, date_order, decimal, mail.me"),
    (["config", "region", "England"], "'England' is not a country code"),
    (["config", "currency", "EURO"], "'EURO' is not a currency code"),
    (["config", "date_order", "DDMMYY"], "'DDMMYY' is not a date order"),
    (["config", "decimal", "·"], "'·' is not a decimal mark"),
])  # fmt: skip
def test_bad_settings_are_refused_and_nothing_is_stored(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}") and result.stderr.count("\n") == 1
    assert all(source != "database" for _, source in settings_of(cli.ok("config", "--json")).values())


def test_unset_takes_one_key(cli):
    result = cli("config", "--unset", "region", "GB")
    assert result.exit_code == 2 and "--unset takes one KEY" in result.stderr


def test_a_change_of_setting_is_audited_and_undone(cli):
    cli.ok("config", "currency", "EUR")
    cli.ok("config", "currency", "GBP")
    cli.ok("undo")
    assert cli.ok("config", "currency", "--json").json()["value"] == "EUR"


def test_every_setting_is_listed_without_a_database_too():
    assert [s.key for s in listing(None, {})] == ["region", "currency", "date_order", "decimal", "mail.me", "mail.host",
                                                  "mail.port", "mail.security", "mail.from", "mail.to", "mail.user",
                                                  "mail.password_file"]


def test_mail_me_is_a_list_of_addresses_checked_and_lowercased(cli):
    result = cli.ok("config", "mail.me", "Me@Example.org; me2@example.org me@example.org", "--json")
    assert result.json()["value"] == "me@example.org, me2@example.org"
    refused = cli("config", "mail.me", "me@example.org, not-an-address")
    assert refused.exit_code == 1 and "'not-an-address' is not an email address" in refused.stderr

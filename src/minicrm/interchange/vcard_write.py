"""vCard out: a contact as a vCard 3.0 (the version phones and address books import best).

Writing uses vobject (folding, escaping, 3.0 syntax), imported inside ``vcard_text`` so
nothing else pays for it. The structured name (N) is the one the contact's card had when
an import kept it (the custom field ``N_FIELD``), else a name parser's reading of the name.
"""

from __future__ import annotations

from minicrm.models import Contact
from minicrm.services.contacts import N_FIELD  # the custom field that keeps a card's structured name (N)


def structured_name(name: str, org: str | None = None, kept: str | None = None) -> list[str]:
    """A contact's N (family, given, additional, prefix, suffix): the one its card had (``kept``), else
    none for an organisation or an address, else a name parser's reading of the name (nameparser:
    ``Dr. Ann Lee Jr.`` is ``Lee;Ann;;Dr.;Jr.``, ``Mustermann, Heiko`` is ``Mustermann;Heiko;;;``)."""
    if kept:
        return (kept.split(";") + [""] * 5)[:5]
    if not name or name == org or "@" in name or not any(ch.isalpha() for ch in name):
        return [""] * 5
    from nameparser import HumanName

    parsed = HumanName(name)
    return [parsed.last, parsed.first, parsed.middle, parsed.title, parsed.suffix]


def vcard_text(contact: Contact) -> str:
    """A vCard 3.0 for ``contact`` (the version phones and address books import best)."""
    import vobject

    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("prodid").value = "-//minicrm//minicrm//EN"
    card.add("uid").value = contact.uid
    card.add("fn").value = contact.name
    family, given, additional, prefix, suffix = structured_name(contact.name, contact.org,
                                                                contact.fields.get(N_FIELD))  # fmt: skip
    card.add("n").value = vobject.vcard.Name(family=family, given=given, additional=additional, prefix=prefix,
                                             suffix=suffix)  # fmt: skip
    if contact.org:
        card.add("org").value = [contact.org]
    for email in contact.emails:
        line = card.add("email")
        line.value = email
        line.type_param = "INTERNET"
    for phone in contact.phones:
        card.add("tel").value = phone.replace(";ext=", " ext. ")  # what dialers understand; reads back the same
    if contact.birthday:
        card.add("bday").value = contact.birthday
    if contact.tags:
        card.add("categories").value = list(contact.tags)
    if contact.note:
        card.add("note").value = contact.note
    card.add("x-minicrm-stage").value = contact.stage
    for key, value in contact.fields.items():
        if key == N_FIELD:
            continue  # written as N
        line = card.add("x-minicrm-field")
        line.value = value
        line.params["X-KEY"] = [key]
    return card.serialize()

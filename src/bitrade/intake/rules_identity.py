"""Pure checks of the person's identity number and age (personnummer library)."""

from __future__ import annotations

from datetime import date

from personnummer.personnummer import Personnummer, PersonnummerException


class IdentityError(ValueError):
    pass


def normalise_identity_number(value: str) -> str:
    """The 12-digit form YYYYMMDDNNNN of a valid personnummer or samordningsnummer."""
    raw = value.strip()
    try:
        pnr = Personnummer(raw)
    except (PersonnummerException, ValueError, TypeError) as exc:
        raise IdentityError(f"Ogiltigt personnummer eller samordningsnummer: {raw[:20]}") from exc
    return pnr.format(long_format=True)


def birth_date_of(identity_number: str) -> date:
    """Birth date; for a samordningsnummer the day is given minus 60 (the library does this)."""
    return Personnummer(identity_number).get_date()


def age_on(birth: date, on: date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return max(years, 0)

"""Money of the lead report. Pure. Amounts are kept in hundredths (integers), so sums are exact on every database;
weighted revenue is revenue × probability %, summed in hundredths of a percent of a hundredth."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")


def to_minor(amount: Decimal) -> int:
    """Hundredths of the currency unit; the leads service keeps two decimals, so nothing is rounded away."""
    return int((amount / CENT).to_integral_value(ROUND_HALF_EVEN))


def from_minor(minor: int) -> Decimal:
    return (Decimal(minor) * CENT).quantize(CENT)


def weighted_from_minor_percent(minor_percent: int) -> Decimal:
    """A sum of (hundredths × percent) as an amount, rounded to the cent."""
    return (Decimal(minor_percent) / 10000).quantize(CENT, ROUND_HALF_EVEN)


def weighted(amount: Decimal, probability: int | None) -> Decimal:
    """What a lead is worth given the chance of winning it; no probability counts as no chance."""
    return weighted_from_minor_percent(to_minor(amount) * (probability or 0))


@dataclass(frozen=True)
class Amount:
    currency: str
    amount: Decimal

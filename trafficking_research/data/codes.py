"""The coded dimensions of observations.csv and the partitions the published figures add up over."""

from __future__ import annotations

KEY_COLUMNS: tuple[str, ...] = (
    "period_start",
    "period_end",
    "measure",
    "client_type",
    "place",
    "form",
    "sex",
    "age",
    "unit",
)

# A total and the parts it splits into, per dimension. Parts are disjoint, so they can never exceed the total,
# and when every part is published they must add up to it exactly.
PARTITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "place": ("all", ("finland", "abroad")),
    "sex": ("all", ("female", "male")),
    "age": ("all", ("minor", "adult")),
    "client_type": ("all", ("victim", "witness", "child_of_victim")),
    "form": (
        "all",
        (
            "forced_labour",
            "sexual_exploitation",
            "forced_marriage",
            "criminal_activity",
            "benefit_fraud",
            "begging",
            "child_soldier",
            "organ_removal",
            "other",
            "unclear",
        ),
    ),
}

# UNODC's "detected victims" table leaves out cells under five and persons of unknown sex or age, and in some years its
# parts exceed its totals; its figures are recorded as published and reported by the audit, not enforced on load.
IDENTITY_EXEMPT_MEASURES: frozenset[str] = frozenset({"identified"})

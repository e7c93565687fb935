"""What each country's "detected victims" counts, and what its trend mixes: the comparability notes of the context
analysis, each statement with its source.

These are statements from the sources named (with some figures the sources give), held here until the data package
holds them as cited rows; nothing here is computed.
"""

from __future__ import annotations

import pandas as pd

from .context_tables import NAMES

# What each country's "detected victims" counts, in our words, from the sources named (US State Department Trafficking
# in Persons reports, GRETA). The extract itself carries no notes.
COMPARABILITY: list[dict[str, str]] = [
    {
        "country": "FIN",
        "who identifies": "the national Assistance System admits victims on referral (police, "
        "officials, NGOs, self-referral); the assistance system is the main channel of identification",
        "what is counted": "persons admitted as presumed victims, including forced marriage and other forms under Finnish "
        "law; 2020: 247, the same figure as the extract",
        "caveats": "services beyond emergency care require a police investigation as trafficking for victims exploited "
        "in Finland",
        "source": "https://www.state.gov/reports/2021-trafficking-in-persons-report/finland/",
    },
    {
        "country": "SWE",
        "who identifies": "police and authorities through a national referral mechanism completed in "
        "2016; NGOs identify further victims reported separately",
        "what is counted": "victims identified by authorities; in the extract 2019-2020 every victim is of unknown sex "
        "and age and the totals jump from 19 (2018) to 269 (2019)",
        "caveats": "identification long depended on a criminal investigation (GRETA 2014); the 2019 jump is a change in "
        "what is counted",
        "source": "https://www.state.gov/reports/2017-trafficking-in-persons-report/sweden/; "
        "http://www.coe.int/t/dghl/monitoring/trafficking/Docs/Press_releases/PR_SWE_en.asp",
    },
    {
        "country": "NOR",
        "who identifies": "no formal identification procedure or national referral mechanism; police, "
        "other authorities and NGOs under informal guidelines, coordinated by KOM",
        "what is counted": "potential victims registered by several actors, some more than once; the government "
        "published no official number for 2017-2021 (last: 262 in 2016, the extract's 2016 figure)",
        "caveats": "duplicate registrations and different criteria; 2017-2022 figures in the extract are not official "
        "government identification statistics",
        "source": "https://preview.state.gov/reports/2022-trafficking-in-persons-report/norway/",
    },
    {
        "country": "DNK",
        "who identifies": "the Centre against Human Trafficking (CMM) for Danish, EU and documented "
        "persons; the Immigration Service for undocumented persons and asylum seekers",
        "what is counted": "formally identified victims; the State Department reports 64 for 2020 where the extract has 77",
        "caveats": "most victims found in police action against prostitution or irregular stay; formal identification "
        "can follow detention",
        "source": "https://www.state.gov/reports/2021-trafficking-in-persons-report/denmark/",
    },
    {
        "country": "ISL",
        "who identifies": "the Ministry of Justice and police (suspected victims); civil society "
        "reports separately; a national referral mechanism was being set up in 2020",
        "what is counted": "suspected victims; 2021: 46 potential victims of whom 5 confirmed",
        "caveats": "no countrywide statistics; numbers vary by source; the extract covers 2017-2020 only",
        "source": "https://www.state.gov/reports/2020-trafficking-in-persons-report/iceland/; "
        "https://www.state.gov/reports/2022-trafficking-in-persons-report/iceland/",
    },
    {
        "country": "EST",
        "who identifies": "police and the Social Insurance Board (victim support)",
        "what is counted": "victims in criminal cases and persons referred to victim support",
        "caveats": "the method of counting identifications changed in 2021 and 2022 (State Department 2023)",
        "source": "https://statenewswire.com/stories/644592236-2023-trafficking-in-persons-report-estonia",
    },
]


# What a trend in each country's series mixes, from the comparability table: carried into the APC descriptions.
TREND_CAVEATS: dict[str, str] = {
    "SWE": "the jump from 19 (2018) to 269 (2019) is a change in what is counted, so the trend mixes two definitions",
    "NOR": "the 2017-2022 figures are not official identification statistics",
    "ISL": "four years only (2017-2020)",
    "EST": "the counting of identifications changed in 2021 and 2022",
}


def comparability_table() -> pd.DataFrame:
    """What each country's detected victims are, with the source of each statement."""
    table = pd.DataFrame(COMPARABILITY)
    table.insert(1, "name", table["country"].map(NAMES))
    return table

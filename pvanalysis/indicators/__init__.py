"""Evaluation indicators (DESIGN §7): pure functions, processed tables in, tidy frames out.

Every function takes ``tables`` — the dict returned by :func:`pvanalysis.load` (keys
``projects``, ``project_targets``, ``conventions``, ``partners``, ``commitments``,
``schedule``, ``disbursements``, ``actions``, ``quartiers``, ``centres`` and, where a
function needs population, the territory layers ``regions``/``provinces``/``communes``) —
and the same slicing keywords, gathered in :class:`Slice`:

``scale``, ``period``, ``period_basis``, ``ref_date``, ``region``, ``province``,
``commune``, ``target``, ``partner``, ``project``, ``convention``.

The flows table
---------------
Most indicators group one central table, :func:`flows`: one row per project × partner
(× territory when asked) with ``committed_dh`` (C), ``released_dh`` (D, up to
``ref_date``), ``scheduled_dh`` (S, whole échéancier) and ``scheduled_due_dh`` (S due by
``ref_date``), in integer dirhams, plus ``category``, ``is_ministry``, ``scale``,
``contract_year`` and the territory codes. Ratios are recomputed from the summed flows of
each group; a zero denominator gives NaN, never an infinity; an empty slice gives an empty
frame with the documented columns.

Territorial attribution
-----------------------
A project may target several communes (its quartiers, centres, communes or medina, in
``project_targets``). Asked by territory (``by`` holding ``region_code``,
``province_code`` or ``commune_code``, or a ``region``/``province``/``commune`` filter),
each project's flows are **allocated to the communes of its targets in proportion to the
targets' population** (quartier/centre population; commune census population 2024 for
commune targets when the ``communes`` layer is in ``tables``). When the targets of a
project carry no population, communes share equally per target. A project without
targets goes wholly to its own ``commune_code`` (or only to its province and region when
that is empty). Allocated amounts stay integer dirhams and are rounded by largest
remainder, so the territories of a project always add up exactly to the project: national
totals are preserved at every level.

Periods
-------
``period=(2017, 2021)`` keeps, by default (``period_basis="contract"``), the projects whose
contracting year — the year its framework (``cadre``) convention was signed, the earliest
if several — falls in the inclusive range; their releases are counted up to ``ref_date``
(all of them when ``ref_date`` is None). With ``period_basis="release"`` every project is
kept and only releases dated within the years of the period (and up to ``ref_date``) count.
The échéancier amount of a year is due on 31 December of that year.

Modules
-------
One module per concern; each imports only from the modules listed before it:
:mod:`~pvanalysis.indicators.core` (slices, shared tables, projects, attribution, the
flows table, grouping helpers), :mod:`~pvanalysis.indicators.status` (the cut-off date,
project and convention status, absent sources), :mod:`~pvanalysis.indicators.finance`,
:mod:`~pvanalysis.indicators.progress` (physical and time),
:mod:`~pvanalysis.indicators.territory`, :mod:`~pvanalysis.indicators.equity` (equity and
concentration) and :mod:`~pvanalysis.indicators.national` (the bilan by scale).
Every public name is re-exported here: use ``pvanalysis.indicators.<name>``.
"""

from __future__ import annotations

from .core import (
    FLOW_COLUMNS,
    GROUP_COLUMNS,
    LEVELS,
    MONEY,
    SharedTables,
    Slice,
    attribution,
    flows,
    make_slice,
    project_frame,
    ratio,
    share,
)
from .equity import (
    DEPRIVATION_INDICATORS,
    commune_equity,
    concentration,
    deprivation_index,
    lorenz,
    need_alignment,
    targeting_of,
    targeting_share,
)
from .finance import (
    FINANCIAL_COLUMNS,
    cofinancing_mix,
    commitment_rate,
    committed,
    convention_finance,
    disbursement_rate,
    financial,
    leverage,
    ministry_release_rate,
    ministry_share,
    partner_fulfilment,
    release_curve,
    released,
    remaining,
    schedule_adherence,
)
from .national import (
    SCALE_TARGET_TYPE,
    bilan,
    national_set,
)
from .progress import (
    DAYS_PER_MONTH,
    delays,
    late_share,
    phase_funnel,
    physical_progress,
    start_lag,
)
from .status import (
    OPTIONAL_SOURCES,
    SOURCE_COLUMNS,
    STALL_IDLE_MONTHS,
    STALL_NO_RELEASE_MONTHS,
    STATUS_LABELS,
    absent_sources,
    convention_status,
    cutoff_date,
    project_status,
    status_counts,
    unknown_columns,
)
from .territory import (
    coverage,
    gap_to_parent,
    investment_per_capita,
)

__all__ = [
    "FLOW_COLUMNS",
    "GROUP_COLUMNS",
    "LEVELS",
    "MONEY",
    "SharedTables",
    "Slice",
    "attribution",
    "flows",
    "make_slice",
    "project_frame",
    "ratio",
    "share",
    "DEPRIVATION_INDICATORS",
    "commune_equity",
    "concentration",
    "deprivation_index",
    "lorenz",
    "need_alignment",
    "targeting_of",
    "targeting_share",
    "FINANCIAL_COLUMNS",
    "cofinancing_mix",
    "commitment_rate",
    "committed",
    "convention_finance",
    "disbursement_rate",
    "financial",
    "leverage",
    "ministry_release_rate",
    "ministry_share",
    "partner_fulfilment",
    "release_curve",
    "released",
    "remaining",
    "schedule_adherence",
    "SCALE_TARGET_TYPE",
    "bilan",
    "national_set",
    "DAYS_PER_MONTH",
    "delays",
    "late_share",
    "phase_funnel",
    "physical_progress",
    "start_lag",
    "OPTIONAL_SOURCES",
    "SOURCE_COLUMNS",
    "STALL_IDLE_MONTHS",
    "STALL_NO_RELEASE_MONTHS",
    "STATUS_LABELS",
    "absent_sources",
    "convention_status",
    "cutoff_date",
    "project_status",
    "status_counts",
    "unknown_columns",
    "coverage",
    "gap_to_parent",
    "investment_per_capita",
]

"""Sample: generate the bundled synthetic raw files (``pvanalysis sample``).

``tables`` generates the clean tables (``generate``; the money tables come from ``money``)
and ``dress`` writes them the way real files look (``write_sample``).
"""

from .dress import NON_DATA_ROWS, QUARANTINE_ROWS, SampleSummary, write_sample
from .money import CALIBRATION, LAST_RELEASE
from .tables import FIXED_TIMESTAMP, INVALID_QUARTIERS, SYNTHETIC_LABEL, generate

__all__ = [
    "CALIBRATION",
    "FIXED_TIMESTAMP",
    "INVALID_QUARTIERS",
    "LAST_RELEASE",
    "NON_DATA_ROWS",
    "QUARANTINE_ROWS",
    "SYNTHETIC_LABEL",
    "SampleSummary",
    "generate",
    "write_sample",
]

"""The trial's questionnaires as data: WAI-SR, HADS and MHC-SF (items, keys, scoring,
reliability). Plain Python: no Django.

* :func:`get_instrument` - the definitions (:mod:`.definitions`), settings as data;
* :func:`score_response` / :func:`score_table` / :func:`item_scores` /
  :func:`score_table_and_items` / :func:`item_columns` - scoring one response or a table
  (:mod:`.scoring`);
* :func:`cronbach_alpha`, :func:`feldt_interval`, :func:`omega_total` (:mod:`.reliability`);
* :func:`reliable_change`, :func:`reliable_change_one` (one pair, plain floats),
  :func:`jacobson_truax_cutoffs` (:mod:`.change`);
* :func:`load_content_pack`, :func:`placeholder_pack` (:mod:`.content`);
* :func:`to_fhir_questionnaire` (:mod:`.fhir`);
* errors: :class:`InstrumentError` and its subclasses (:mod:`.errors`).

>>> from embct.instruments import get_instrument, score_response
>>> score_response("mhc", {i: 4 for i in range(1, 15)})["category"]
'flourishing'
"""

from .change import (
    jacobson_truax_cutoffs,
    reliable_change,
    reliable_change_one,
    reliable_change_threshold,
)
from .content import (
    ContentPack,
    load_content_pack,
    placeholder_pack,
    validate_content_pack,
)
from .definitions import (
    INSTRUMENTS,
    Band,
    Coding,
    Cutoff,
    Instrument,
    KeyesDiagnosis,
    MissingRule,
    get_instrument,
)
from .errors import (
    ContentPackError,
    InstrumentError,
    MissingColumnError,
    NotANumberError,
    OutOfRangeError,
    UnknownInstrumentError,
    UnknownItemError,
    WrongInstrumentError,
)
from .fhir import to_fhir_questionnaire
from .reliability import AlphaResult, cronbach_alpha, feldt_interval, omega_total
from .scoring import (
    item_columns,
    item_scores,
    score_columns,
    score_response,
    score_table,
    score_table_and_items,
)

__all__ = [
    "INSTRUMENTS",
    "AlphaResult",
    "Band",
    "Coding",
    "ContentPack",
    "ContentPackError",
    "Cutoff",
    "Instrument",
    "InstrumentError",
    "KeyesDiagnosis",
    "MissingColumnError",
    "MissingRule",
    "NotANumberError",
    "OutOfRangeError",
    "UnknownInstrumentError",
    "UnknownItemError",
    "WrongInstrumentError",
    "cronbach_alpha",
    "feldt_interval",
    "get_instrument",
    "item_columns",
    "item_scores",
    "jacobson_truax_cutoffs",
    "load_content_pack",
    "omega_total",
    "placeholder_pack",
    "reliable_change",
    "reliable_change_one",
    "reliable_change_threshold",
    "score_columns",
    "score_response",
    "score_table",
    "score_table_and_items",
    "to_fhir_questionnaire",
    "validate_content_pack",
]

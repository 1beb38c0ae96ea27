"""embct: internet-based MBCT with the therapeutic alliance measured and analysed.

The core packages (:mod:`embct.instruments`, :mod:`embct.trial`, :mod:`embct.simulate`,
:mod:`embct.analysis`, :mod:`embct.report`) are plain Python and never import Django;
:mod:`embct.platform` is the Django web platform and :mod:`embct.cli` the ``embct`` command.
"""

__version__ = "0.1.0"

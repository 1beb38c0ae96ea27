"""Test scaffolding, outside the shipped package: the personas (:mod:`support.testing`), the
browser and its accessibility audit (:mod:`support.testing_browser`), the URL walk and the
authorization table (:mod:`support.testing_urls`), the simulator's independent recomputation
in plain statsmodels (:mod:`support.verify`), and the measurement tests' cohort and
questionnaire helpers (:mod:`support.measure_cohort`, :mod:`support.measure_helpers`). pytest
puts ``tests/`` on the path (``pythonpath`` in pyproject.toml), so tests import
``support.<module>``."""

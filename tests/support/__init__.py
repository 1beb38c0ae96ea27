"""Test scaffolding, outside the shipped package: the personas (:mod:`support.testing`), the
browser and its accessibility audit (:mod:`support.testing_browser`), the URL walk and the
authorization table (:mod:`support.testing_urls`), and the simulator's independent
recomputation in plain statsmodels (:mod:`support.verify`). pytest puts ``tests/`` on the
path (``pythonpath`` in pyproject.toml), so tests import ``support.<module>``."""

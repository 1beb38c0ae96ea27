"""A synthetic BeMind cohort calibrated to Bisseling et al. (2019) (no Django).

>>> from embct.simulate import simulate
>>> table = simulate(seed=3, mode="population", items=False)
>>> sorted(table["arm"].unique())
['embct', 'mbct']
"""

from ._repair import RepairError
from .cohort import MODES, simulate
from .params import ParameterError, default_parameters, load_parameters, scale_design

__all__ = [
    "MODES",
    "ParameterError",
    "RepairError",
    "default_parameters",
    "load_parameters",
    "scale_design",
    "simulate",
]

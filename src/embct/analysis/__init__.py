"""The paper's analyses on a tidy trial table. Plain Python: no Django.

Read a user's file into the normalized frame with :func:`load_table` (or :func:`prepare` a
DataFrame), then run one analysis or all of them with :func:`analyze`::

    from embct.analysis import analyze, load_config, load_table
    config = load_config("trial.toml")
    results = analyze(load_table("trial.csv", config), config)
"""

from .baseline import BASELINE_VARIABLES, baseline_table
from .cluster import outcome_clustering
from .compare import crosstab_test, independent_t
from .config import AnalysisConfig, ConfigError, load_config
from .dropout import early_alliance_by_dropout
from .flow import analysed_counts, consort_counts, dropout_by_arm, sample_flow
from .impute import outcome_regression_mi
from .io import DataError, MissingDataError, load_table, prepare, read_table
from .logistic import dropout_logistic, dropout_logistic_table
from .pipeline import analyze, results_tables, to_jsonable, write_results
from .regression import outcome_regression, outcome_regression_table
from .reliability import reliability_table
from .repeated import alliance_development, alliance_development_table

__all__ = [
    "BASELINE_VARIABLES",
    "AnalysisConfig",
    "ConfigError",
    "DataError",
    "MissingDataError",
    "alliance_development",
    "alliance_development_table",
    "analysed_counts",
    "analyze",
    "baseline_table",
    "consort_counts",
    "crosstab_test",
    "dropout_by_arm",
    "dropout_logistic",
    "dropout_logistic_table",
    "early_alliance_by_dropout",
    "independent_t",
    "load_config",
    "load_table",
    "outcome_clustering",
    "outcome_regression",
    "outcome_regression_mi",
    "outcome_regression_table",
    "prepare",
    "read_table",
    "reliability_table",
    "results_tables",
    "sample_flow",
    "to_jsonable",
    "write_results",
]

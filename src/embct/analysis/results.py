"""The results document's shape: what :func:`embct.analysis.analyze` returns and
``results.json`` holds, section by section, as typed dictionaries.

This module is the contract between :mod:`embct.analysis` (which writes the document) and
:mod:`embct.report` (which reads it). :mod:`embct.analysis.results_schema` turns these
declarations into the JSON Schema shipped beside them (``results.schema.json``).

Conventions:

- A statistic is a :data:`Number`: a float, or ``None`` (JSON ``null``) where it cannot be
  computed (NaN never reaches the document). Counts are ``int``.
- A section that could not run is :class:`Skipped`, ``{"skipped": "<reason>"}``; the
  sections that can be are typed ``X | Skipped``.
- Every key is required unless it is marked ``NotRequired``; no other key may appear.
- Keys that are not Python names (``"dropout.wai_w2"``, ``"wai_w2:arm"``) use the
  functional ``TypedDict(...)`` form.

Examples
--------
>>> sorted(Results.__required_keys__)  # doctest: +NORMALIZE_WHITESPACE
['alliance_development', 'baseline', 'clustering', 'dropout', 'flow', 'intention_to_treat',
 'meta', 'n', 'outcomes', 'reliability']
>>> sorted(Assumptions.__optional_keys__)
['shapiro_note']
"""

# No ``from __future__ import annotations``: Python 3.11 only sees ``NotRequired`` in
# evaluated annotations (``__optional_keys__``), so every type is defined before its use.
from typing import NotRequired, TypedDict

__all__ = [
    "AllianceBetween",
    "AllianceDevelopment",
    "AllianceMean",
    "AnalysisConfigDict",
    "ArmCount",
    "ArmDifference",
    "ArmLabel",
    "ArmLabels",
    "Assumptions",
    "Baseline",
    "BaselineArm",
    "BaselineRow",
    "BetweenTest",
    "BoxM",
    "Classification",
    "ClusterStep",
    "ClusterTerm",
    "Clustering",
    "ContrastError",
    "ContrastTest",
    "Correction",
    "Covariates",
    "CrosstabExtras",
    "Dose",
    "Dropout",
    "DropoutByArm",
    "DropoutLogistic",
    "EarlyAlliance",
    "Flow",
    "FlowArm",
    "FlowCounts",
    "GroupSummary",
    "HosmerLemeshow",
    "HosmerLemeshowGroup",
    "Icc",
    "Iccs",
    "ImputationConfig",
    "ImputedRegression",
    "Instruments",
    "IntentionToTreat",
    "JohnsonNeyman",
    "LeveneWave",
    "LinearCombination",
    "LogisticStep",
    "LogisticTerm",
    "Meta",
    "MissingDataPattern",
    "MissingDataRules",
    "MissingPattern",
    "MixedLRTest",
    "MixedLRTests",
    "MixedModel",
    "MixedSatterthwaiteF",
    "MixedSatterthwaiteTerm",
    "MixedTerm",
    "MixedTest",
    "MixedTests",
    "Moderator",
    "Multivariate",
    "MultivariateTest",
    "Number",
    "OutcomeClustering",
    "OutcomeRegression",
    "Outcomes",
    "PooledStep",
    "PooledTerm",
    "RegressionStep",
    "RegressionTerm",
    "Reliability",
    "ReliabilityItem",
    "ReliabilityScale",
    "ReliabilityWave",
    "Results",
    "ScaleDeclaration",
    "SimpleSlope",
    "Skipped",
    "SkippedStep",
    "Sphericity",
    "TwoGroupTest",
    "Univariate",
    "UnivariateTest",
    "Vif",
    "Waves",
    "WithinContrast",
]

#: A statistic: ``None`` (JSON ``null``) where it cannot be computed.
Number = float | None


class Skipped(TypedDict):
    """A section that could not run, and why (e.g. ``"no data for wai_w2"``)."""

    skipped: str


# ---------------------------------------------------------------------------------------
# flow


class FlowCounts(TypedDict):
    """Participants through the trial (:func:`embct.analysis.sample_flow`)."""

    randomized: int
    waiting: int
    declined: int
    started: int
    dropouts: int
    completers: int
    dose_unknown: int


class FlowArm(FlowCounts):
    """One arm's counts: ``arm`` 0 is the reference arm, 1 the comparison arm."""

    arm: int
    arm_label: str


class CrosstabExtras(TypedDict):
    """SPSS CROSSTABS beside Pearson's chi-square (:func:`embct.analysis.crosstab_test`):
    the continuity-corrected (Yates) and likelihood-ratio chi-squares, Fisher's one-sided
    exact p, phi (signed for a 2 x 2 table) and Cramer's V."""

    yates_chi2: Number
    yates_p_val: Number
    lr_chi2: Number
    lr_p_val: Number
    fisher_p_val_one_sided: Number
    phi: Number
    cramers_v: Number


class DropoutByArm(CrosstabExtras):
    """Dropout by arm among starters (:func:`embct.analysis.dropout_by_arm`)."""

    n: int
    dropouts_reference: int
    n_reference: int
    dropouts_comparison: int
    n_comparison: int
    chi2: Number
    dof: int
    p_val: Number
    fisher_p_val: Number
    min_expected: Number


class Flow(TypedDict):
    """``flow``: one entry per arm (reference first), the totals and the dropout test."""

    arms: list[FlowArm]
    total: FlowCounts
    dropout_by_arm: DropoutByArm | Skipped
    #: The CONSORT boxes the table can know (embct.trial.consort): box key -> participants.
    consort: dict[str, int] | Skipped
    #: Only when the table gives no dose: "dose not given ..." (every participant analysed).
    dose: NotRequired[str]


# ---------------------------------------------------------------------------------------
# reliability


class ReliabilityItem(TypedDict):
    """One row of SPSS's "Item-Total Statistics": the item's mean and SD, its corrected
    item-total correlation (with the sum of the other items) and alpha if it is deleted."""

    item: str
    mean: Number
    sd: Number
    corrected_item_total_r: Number
    alpha_if_deleted: Number


class ReliabilityScale(TypedDict):
    """Cronbach's alpha of one scale (:func:`embct.analysis.reliability_table`) and its
    items' statistics (empty when alpha is missing)."""

    alpha: Number
    standardized_alpha: Number
    n: int
    k: int
    ci_low: Number
    ci_high: Number
    omega: Number
    note: str | None
    items: list[ReliabilityItem]


class ReliabilityWave(ReliabilityScale):
    """The total scale of one instrument and wave, and its subscales by name."""

    subscales: dict[str, ReliabilityScale]


#: ``reliability``: ``{instrument}_{wave}`` (``hads_pre``, ``wai_w2``, ...) -> its alphas.
Reliability = dict[str, ReliabilityWave]


# ---------------------------------------------------------------------------------------
# baseline


class BaselineArm(TypedDict):
    """One arm of a baseline row: ``count`` and ``percent`` (categorical) or ``mean`` and
    ``sd`` (continuous)."""

    arm: int
    arm_label: str
    n: int
    count: NotRequired[int | None]
    percent: NotRequired[Number]
    mean: NotRequired[Number]
    sd: NotRequired[Number]


class TwoGroupTest(TypedDict):
    """:func:`embct.analysis.independent_t`: Student's t (reference minus comparison, or
    dropouts minus completers) with Welch's t and the mean-centred Levene test beside it,
    and Cohen's d and Hedges' g with their noncentral-t 95% intervals
    (:func:`embct.analysis.compare.cohens_d`)."""

    mean_difference: Number
    t: Number
    dof: Number
    p_val: Number
    ci_low: Number
    ci_high: Number
    welch_t: Number
    welch_dof: Number
    welch_p_val: Number
    levene_f: Number
    levene_df1: Number
    levene_df2: Number
    levene_p_val: Number
    cohens_d: Number
    cohens_d_ci_low: Number
    cohens_d_ci_high: Number
    hedges_g: Number
    hedges_g_ci_low: Number
    hedges_g_ci_high: Number


class _BaselineRowKeys(TwoGroupTest):
    """The keys of :class:`BaselineRow` before the crosstab statistics."""

    variable: str
    label: str
    kind: str
    level: str | None
    n: int
    reference_n: int
    reference_count: int | None
    reference_percent: Number
    reference_mean: Number
    reference_sd: Number
    comparison_n: int
    comparison_count: int | None
    comparison_percent: Number
    comparison_mean: Number
    comparison_sd: Number
    test: str
    chi2: Number
    fisher_p_val: Number
    arms: list[BaselineArm]


class BaselineRow(_BaselineRowKeys, CrosstabExtras):
    """A row of :func:`embct.analysis.baseline_table`, with its arms side by side (``chi2``,
    ``fisher_p_val`` and the :class:`CrosstabExtras` for a categorical row, the t tests'
    keys with Cohen's d and Hedges' g for a continuous one; the other kind's statistics
    are ``None``)."""


class ArmCount(TypedDict):
    """An arm and its number of randomized participants."""

    arm: int
    arm_label: str
    n: int


class Baseline(TypedDict):
    """``baseline``: the paper's Table 1."""

    n: int
    arms: list[ArmCount]
    rows: list[BaselineRow]


# ---------------------------------------------------------------------------------------
# dropout


class GroupSummary(TypedDict):
    """``n``, ``mean`` and ``sd`` of one group."""

    n: int
    mean: Number
    sd: Number


class EarlyAlliance(TwoGroupTest):
    """``dropout.wai_w2``: week-2 WAI of dropouts vs completers
    (:func:`embct.analysis.early_alliance_by_dropout`), dropouts minus completers."""

    dropouts: GroupSummary
    completers: GroupSummary
    n: int


class LogisticTerm(TypedDict):
    """One coefficient of a logistic step (odds ratio and its interval beside it)."""

    term: str
    b: Number
    se: Number
    wald: Number
    dof: int
    p_val: Number
    odds_ratio: Number
    ci_low: Number
    ci_high: Number


class Classification(TypedDict):
    """SPSS's "Classification Table" of a step: observed by predicted outcome, a case
    predicted 1 when its fitted probability exceeds ``cut`` (.5)."""

    cut: float
    observed_0_predicted_0: int
    observed_0_predicted_1: int
    observed_1_predicted_0: int
    observed_1_predicted_1: int
    percent_correct_0: Number
    percent_correct_1: Number
    percent_correct: Number


class HosmerLemeshowGroup(TypedDict):
    """One row of the "Contingency Table for Hosmer and Lemeshow Test"."""

    group: int
    n: int
    observed_1: int
    expected_1: Number
    observed_0: int
    expected_0: Number


class HosmerLemeshow(TypedDict):
    """The Hosmer-Lemeshow test of a step (:func:`embct.analysis.logistic.hosmer_lemeshow`:
    about 10 groups of similar risk, ties kept together, ``groups - 2`` df)."""

    chi2: Number
    dof: int
    p_val: Number
    groups: list[HosmerLemeshowGroup]


class LogisticStep(TypedDict):
    """One step of the hierarchical logistic regression."""

    step: int
    terms: list[LogisticTerm]
    minus2ll: Number
    model_chi2: Number
    model_dof: int
    model_p_val: Number
    step_chi2: Number
    step_dof: int
    step_p_val: Number
    cox_snell_r2: Number
    nagelkerke_r2: Number
    iterations: int
    classification: Classification
    hosmer_lemeshow: HosmerLemeshow


class SkippedStep(TypedDict):
    """A step that could not be fitted (e.g. separated), and why; the steps before stand."""

    step: int
    skipped: str


class DropoutLogistic(TypedDict):
    """``dropout.logistic``: :func:`embct.analysis.dropout_logistic`."""

    n: int
    events: int
    null_minus2ll: Number
    steps: list[LogisticStep | SkippedStep]
    missing_data: str


class Dropout(TypedDict):
    """``dropout``: early alliance and dropout (analysis 4)."""

    wai_w2: EarlyAlliance | Skipped
    logistic: DropoutLogistic | Skipped


# ---------------------------------------------------------------------------------------
# alliance_development


class MultivariateTest(TypedDict):
    """The four multivariate statistics and their (exact, with two arms) F test."""

    wilks_lambda: Number
    pillai_trace: Number
    hotelling_lawley: Number
    roys_root: Number
    f: Number
    df1: int
    df2: int
    p_val: Number
    partial_eta2: Number


class Multivariate(TypedDict):
    """Within-subjects multivariate tests."""

    time: MultivariateTest
    time_x_arm: MultivariateTest


class BetweenTest(TypedDict):
    """A between-subjects F test."""

    f: Number
    df1: int
    df2: int
    p_val: Number
    partial_eta2: Number


class AllianceBetween(TypedDict):
    """Between-subjects tests: the arm."""

    arm: BetweenTest


class Sphericity(TypedDict):
    """Mauchly's test and the epsilons (``None`` where a test needs more waves)."""

    mauchly_w: Number
    chi2: Number
    dof: int | None
    p_val: Number
    gg_epsilon: Number
    hf_epsilon: Number
    hf_epsilon_original: Number
    lower_bound_epsilon: Number


class Correction(TypedDict):
    """A univariate test with one sphericity correction."""

    epsilon: Number
    f: Number
    df1: Number
    df2: Number
    p_val: Number


class UnivariateTest(TypedDict):
    """A univariate within-subjects test and its corrections."""

    ss: Number
    ss_error: Number
    f: Number
    df1: Number
    df2: Number
    p_val: Number
    partial_eta2: Number
    sphericity_assumed: Correction
    greenhouse_geisser: Correction
    huynh_feldt: Correction
    """Huynh-Feldt with Lecoutre's (1991) epsilon (R car's "HF eps")."""
    lower_bound: Correction
    huynh_feldt_1976: NotRequired[Correction]
    """Huynh-Feldt with the original Huynh & Feldt (1976) epsilon (what SPSS prints)."""


class Univariate(TypedDict):
    """Corrected univariate tests of time and time x arm."""

    time: UnivariateTest
    time_x_arm: UnivariateTest


class ContrastTest(TypedDict):
    """One effect's row of SPSS's "Tests of Within-Subjects Contrasts" (Type III)."""

    ss: Number
    df: int
    ms: Number
    f: Number
    p_val: Number
    partial_eta2: Number


class ContrastError(TypedDict):
    """The error row of one within-subjects contrast."""

    ss: Number
    df: int
    ms: Number


class WithinContrast(TypedDict):
    """One orthonormal polynomial contrast of the waves (equally spaced, SPSS's default)."""

    contrast: str
    degree: int
    time: ContrastTest
    time_x_arm: ContrastTest
    error: ContrastError


class BoxM(TypedDict):
    """Box's M test of equal covariance matrices with SPSS's F approximation."""

    m: Number
    f: Number
    df1: Number
    df2: Number
    p_val: Number
    chi2: Number
    """Box's chi-square approximation on ``df1`` df (R heplots/biotools print it)."""


class LeveneWave(TypedDict):
    """Levene's test (mean-centred, as SPSS) of equal error variances at one wave."""

    wave: str
    week: int
    f: Number
    df1: int
    df2: int
    p_val: Number


class AllianceMean(TypedDict):
    """An estimated marginal mean of the WAI total, per arm and week."""

    arm: int
    arm_label: str
    week: int
    mean: Number
    se: Number
    ci_low: Number
    ci_high: Number
    n: int


class MixedSatterthwaiteTerm(TypedDict):
    """A fixed effect's t test on Satterthwaite's df (lmerTest, REML)."""

    df: Number
    t: Number
    p_val: Number
    ci_low: Number
    ci_high: Number


class MixedTerm(TypedDict):
    """One fixed effect of the mixed model (Wald z)."""

    term: str
    b: Number
    se: Number
    z: Number
    p_val: Number
    ci_low: Number
    ci_high: Number
    satterthwaite: NotRequired[MixedSatterthwaiteTerm]


class MixedSatterthwaiteF(TypedDict):
    """The F test of a group of fixed effects on Satterthwaite's df (lmerTest)."""

    f: Number
    df1: int
    df2: Number
    p_val: Number


class MixedTest(TypedDict):
    """A Wald chi-square test of a group of fixed effects."""

    chi2: Number
    dof: int
    p_val: Number
    satterthwaite: NotRequired[MixedSatterthwaiteF]


class MixedLRTest(TypedDict):
    """A likelihood-ratio test of two ML fits (lme4's ``anova(m0, m1)``); ``m0`` names
    the smaller model's fixed terms."""

    m0: str
    loglik_m0: Number
    loglik_m1: Number
    aic_m0: Number
    aic_m1: Number
    chi2: Number
    dof: int
    p_val: Number


class MixedLRTests(TypedDict):
    """Hierarchical likelihood-ratio tests: week x arm, then week and arm."""

    time_x_arm: MixedLRTest
    time: MixedLRTest
    arm: MixedLRTest


class MixedTests(TypedDict):
    """The mixed model's tests of time and time x arm."""

    time: MixedTest
    time_x_arm: MixedTest


class MixedModel(TypedDict):
    """The linear mixed model on all WAI observations
    (:func:`embct.analysis.mixed.alliance_mixed_model`)."""

    n_participants: int
    n_obs: int
    method: str
    random: str
    terms: list[MixedTerm]
    converged: bool
    random_intercept_var: Number
    residual_var: Number
    icc: Number
    loglik: Number
    tests: MixedTests
    lr_tests: NotRequired[MixedLRTests]
    missing_data: str


class AllianceDevelopment(TypedDict):
    """``alliance_development``: :func:`embct.analysis.alliance_development`."""

    n: int
    n_by_arm: dict[str, int]
    missing_data: str
    multivariate: Multivariate
    between: AllianceBetween
    sphericity: Sphericity
    univariate: Univariate
    within_contrasts: NotRequired[list[WithinContrast]]
    box_m: NotRequired[BoxM | Skipped]
    levene: NotRequired[list[LeveneWave]]
    means: list[AllianceMean]
    mixed_model: MixedModel | Skipped


# ---------------------------------------------------------------------------------------
# outcomes


class RegressionTerm(TypedDict):
    """One coefficient of a regression step, with SPSS's zero-order, partial and part
    correlations (``beta`` and the correlations are ``None`` for the intercept)."""

    term: str
    b: Number
    se: Number
    beta: Number
    t: Number
    dof: int
    p_val: Number
    ci_low: Number
    ci_high: Number
    zero_order_r: Number
    partial_r: Number
    part_r: Number


class RegressionStep(TypedDict):
    """One step of the hierarchical regression, with its change from the previous step
    and its ANOVA table (regression and residual sums of squares and mean squares on
    ``df1`` and ``df2``)."""

    step: int
    r: Number
    r2: Number
    adj_r2: Number
    f: Number
    df1: int
    df2: int
    p_val: Number
    r2_change: Number
    f_change: Number
    f_change_df1: int
    f_change_df2: int
    f_change_p_val: Number
    ss_regression: Number
    ss_residual: Number
    ss_total: Number
    ms_regression: Number
    ms_residual: Number
    terms: list[RegressionTerm]


class LinearCombination(TypedDict):
    """An estimate from the step-3 model with its t test and interval."""

    b: Number
    se: Number
    t: Number
    dof: Number
    p_val: Number
    ci_low: Number
    ci_high: Number


class SimpleSlope(LinearCombination):
    """The slope of ``wai_w2`` within one arm."""

    arm: int
    arm_label: str


class ArmDifference(LinearCombination):
    """The arm difference at one value of ``wai_w2`` (``label``: ``-1 SD``, ``mean``,
    ``+1 SD``)."""

    wai_w2: Number
    label: str


class JohnsonNeyman(TypedDict):
    """The Johnson-Neyman boundaries of the arm difference over ``wai_w2``."""

    lower: Number
    upper: Number
    inside_significant: bool
    range: list[float] | None
    alpha: float
    t_crit: Number
    always_significant: bool
    never_significant: bool


class Moderator(TypedDict):
    """The moderator's sample statistics."""

    name: str
    mean: Number
    sd: Number
    min: Number
    max: Number


class Covariates(TypedDict):
    """The covariates' sample means."""

    baseline_mean: Number


#: Variance inflation factors of the step-3 predictors.
Vif = TypedDict("Vif", {"baseline": Number, "arm": Number, "wai_w2": Number, "wai_w2:arm": Number})


class Assumptions(TypedDict):
    """Assumption checks of the step-3 model (Shapiro-Wilk ``None`` beyond 5000 residuals,
    with ``shapiro_note`` saying so)."""

    vif: Vif
    max_cooks_d: Number
    n_cooks_d_above_4_over_n: int
    max_leverage: Number
    shapiro_w: Number
    shapiro_p_val: Number
    shapiro_note: NotRequired[str]


class OutcomeRegression(TypedDict):
    """``outcomes.<outcome>``: :func:`embct.analysis.outcome_regression`."""

    n: int
    cov_type: str
    steps: list[RegressionStep]
    outcome: str
    missing_data: str
    simple_slopes: list[SimpleSlope]
    arm_difference_at: list[ArmDifference]
    johnson_neyman: JohnsonNeyman
    moderator: Moderator
    covariates: Covariates
    assumptions: Assumptions


class Outcomes(TypedDict):
    """``outcomes``: psychological distress and mental well-being."""

    hads: OutcomeRegression | Skipped
    mhc: OutcomeRegression | Skipped
    #: Only with follow-up waves (``[waves] hads = ["pre", "post", "fu3"]``): the same
    #: regression with each follow-up as the dependent wave, by ``<outcome>_<wave>``.
    follow_ups: NotRequired[dict[str, OutcomeRegression | Skipped]]


# ---------------------------------------------------------------------------------------
# beyond the paper: intention to treat (embct.analysis.impute)


#: A coefficient pooled over the imputations by Rubin's rules (Barnard-Rubin ``dof``);
#: ``ubar`` and ``b_between`` are the within- and between-imputation variances, ``riv`` the
#: relative increase in variance, ``lambda`` (a Python keyword, hence the functional form)
#: the proportion of variance due to nonresponse, ``fmi`` the fraction of missing information.
PooledTerm = TypedDict(
    "PooledTerm",
    {
        "term": str,
        "b": Number,
        "se": Number,
        "t": Number,
        "dof": Number,
        "p_val": Number,
        "ci_low": Number,
        "ci_high": Number,
        "ubar": Number,
        "b_between": Number,
        "riv": Number,
        "lambda": Number,
        "fmi": Number,
    },
)


class PooledStep(TypedDict):
    """One regression step pooled over the imputations; ``r2`` as ``mice::pool.r.squared``."""

    step: int
    r2: Number
    r2_ci_low: Number
    r2_ci_high: Number
    terms: list[PooledTerm]


class MissingPattern(TypedDict):
    """One combination of observed (1) and missing (0) variables, in ``columns`` order."""

    observed: list[int]
    n: int
    n_missing: int


class MissingDataPattern(TypedDict):
    """The missing-data pattern of the model's variables (as ``mice::md.pattern``)."""

    n: int
    columns: list[str]
    missing: dict[str, int]
    patterns: list[MissingPattern]


class ImputedRegression(TypedDict):
    """``intention_to_treat.<outcome>``: the outcome regression on every randomized
    participant by multiple imputation (:func:`embct.analysis.outcome_regression_mi`)."""

    outcome: str
    n: int
    m: int
    iterations: int
    seed: int | None
    method: str
    auxiliary: list[str]
    missing_data: str
    pattern: MissingDataPattern
    steps: list[PooledStep]


class IntentionToTreat(TypedDict):
    """``intention_to_treat``: both outcomes, beside the completers' ``outcomes``."""

    hads: ImputedRegression | Skipped
    mhc: ImputedRegression | Skipped


# ---------------------------------------------------------------------------------------
# beyond the paper: clustering (embct.analysis.cluster)


class Icc(TypedDict):
    """ICC(1) of the one-way ANOVA (``icc1``, Donner's ``n0``) with its F test, and the
    REML ICC of the empty random-intercept model (``icc_reml`` = tau2 / (tau2 + sigma2))."""

    n: int
    n_clusters: int
    n0: Number
    ms_between: Number
    ms_within: Number
    f: Number
    df1: int
    df2: int
    p_val: Number
    icc1: Number
    icc_reml: Number
    tau2: Number
    sigma2: Number


class Iccs(TypedDict):
    """The outcome's ICC by therapist (both arms) and by group (MBCT)."""

    therapist: Icc | Skipped
    group: Icc | Skipped


class ClusterTerm(TypedDict):
    """A coefficient under OLS, CR2 (Satterthwaite df) by therapist, and the random
    therapist intercept model (REML, Satterthwaite df)."""

    term: str
    b: Number
    se_ols: Number
    dof_ols: int
    p_val_ols: Number
    se_cr2: Number
    dof_cr2: Number
    p_val_cr2: Number
    b_mixed: Number
    se_mixed: Number
    dof_mixed: Number
    p_val_mixed: Number


class ClusterStep(TypedDict):
    """One regression step; ``tau2``/``sigma2`` are the random-intercept model's variances
    and ``icc_residual`` their ratio (the ICC adjusted for the step's predictors)."""

    step: int
    tau2: Number
    sigma2: Number
    icc_residual: Number
    singular: bool
    terms: list[ClusterTerm]


class OutcomeClustering(TypedDict):
    """``clustering.<outcome>`` (:func:`embct.analysis.outcome_clustering`)."""

    outcome: str
    n: int
    n_therapists: int
    missing_data: str
    icc: Iccs
    models: list[ClusterStep]


class Clustering(TypedDict):
    """``clustering``: both outcomes."""

    hads: OutcomeClustering | Skipped
    mhc: OutcomeClustering | Skipped


# ---------------------------------------------------------------------------------------
# meta


class ArmLabels(TypedDict):
    """The arms' labels in the data."""

    reference: str
    comparison: str


class Dose(TypedDict):
    """The dose rule."""

    completer_min_sessions: int
    max_sessions: int


class Instruments(TypedDict):
    """How the instruments are coded."""

    wai_coding: str


class ScaleDeclaration(TypedDict):
    """A declared measure (``[scales.<instrument>]``)."""

    name: str
    min: float
    max: float
    items: int | None
    item_min: float | None
    item_max: float | None


class Waves(TypedDict):
    """The configured waves (``[waves]``)."""

    wai: list[str]
    hads: list[str]
    mhc: list[str]
    early_alliance: str


class ImputationConfig(TypedDict):
    """The multiple imputation's settings (``[imputation]``)."""

    m: int
    iterations: int
    seed: int


class AnalysisConfigDict(TypedDict):
    """The analysis configuration (:meth:`embct.analysis.AnalysisConfig.to_dict`)."""

    source: str | None
    columns: dict[str, str]
    arms: ArmLabels
    items: dict[str, str]
    dose: Dose
    instruments: Instruments
    #: Only when declared.
    scales: NotRequired[dict[str, ScaleDeclaration]]
    #: Only when configured.
    waves: NotRequired[Waves]
    imputation: NotRequired[ImputationConfig]  # older documents lack it


class ArmLabel(TypedDict):
    """An arm code and its label."""

    arm: int
    arm_label: str


#: The sample rule of each section (keys with a dot name a subsection).
MissingDataRules = TypedDict(
    "MissingDataRules",
    {
        "dropout_status": str,
        "totals": str,
        "flow": str,
        "dropout_by_arm": str,
        "reliability": str,
        "baseline": str,
        "dropout.wai_w2": str,
        "dropout.logistic": str,
        "alliance_development": str,
        "outcomes": str,
        # written since the sections beyond the paper; older documents lack them
        "intention_to_treat": NotRequired[str],
        "clustering": NotRequired[str],
    },
)


class Meta(TypedDict):
    """``meta``: where the numbers came from. ``input`` is the data file's name (``None``
    for a frame); the ``*_from`` keys say which column (or rule) gave each role."""

    embct_version: str
    input: str | None
    config: AnalysisConfigDict
    arms: list[ArmLabel]
    participant_id_from: str | None
    started_from: str | None
    dropped_out_from: str | None
    totals_from: dict[str, str] | None
    missing_data: MissingDataRules
    #: Only when the table gives no dose.
    dose: NotRequired[str]


# ---------------------------------------------------------------------------------------
# the document


class Results(TypedDict):
    """The results document (``results.json``), in the order :func:`analyze` writes it."""

    n: int
    flow: Flow
    reliability: Reliability | Skipped
    baseline: Baseline | Skipped
    dropout: Dropout
    alliance_development: AllianceDevelopment | Skipped
    outcomes: Outcomes
    intention_to_treat: IntentionToTreat
    clustering: Clustering
    meta: Meta

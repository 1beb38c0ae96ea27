# ---- Helpers (embct.analysis.syntax writes them into every analysis.R) ------------------
# Each helper writes its figures with out(key, value); a key is a path into results.json.
suppressPackageStartupMessages({
  library(car)         # Anova (Type III), leveneTest, vif
  library(psych)       # alpha, alpha.ci
  library(effectsize)  # cohens_d, hedges_g (noncentral-t intervals)
  library(lme4)        # lmer, likelihood-ratio tests of ML refits
  library(lmerTest)    # Satterthwaite df (summary, contestMD)
  library(mice)        # multiple imputation by chained equations
  library(clubSandwich)  # CR2 cluster-robust tests
})
# Type III sums of squares need sum-to-zero coding of factors (SPSS's parameterization
# gives the same tests); the outcome regressions use arm as a 0/1 number, as the report.
options(contrasts = c("contr.sum", "contr.poly"))
rows <- character(0)
out <- function(key, value) {
  if (length(value) == 1 && !is.null(value) && is.finite(value))
    rows <<- c(rows, sprintf("%s,%.17g", key, value))
}

# The flow's counts of the rows given (randomized participants of an arm, or all).
flow <- function(key, rows) {
  st <- started & rows
  out(paste0(key, "/randomized"), sum(rows))
  out(paste0(key, "/waiting"), sum(rows & !started & !withdrawn))
  out(paste0(key, "/declined"), sum(rows & !started & withdrawn))
  out(paste0(key, "/started"), sum(st)); out(paste0(key, "/dropouts"), sum(st & d$dropped_out %in% 1))
  out(paste0(key, "/completers"), sum(st & d$dropped_out %in% 0))
  out(paste0(key, "/dose_unknown"), sum(st & is.na(d$dropped_out)))
}

# The CONSORT boxes of the two treatment arms (embct.trial.treatment_counts), from the
# withdrawal codes (1 declined, 2 dropout) and the dropout reason codes (positions in
# `reasons`; the last, not_recorded, for a dropout without a category or withdrawal).
consort <- function(arms, reasons) {
  code <- if ("withdrawal_code" %in% names(d)) d$withdrawal_code else ifelse(started, 0, 1)
  reason <- if ("reason_code" %in% names(d)) d$reason_code else rep(0, nrow(d))
  tau <- if ("tau_first" %in% names(d)) d$tau_first %in% 1 else rep(FALSE, nrow(d))
  for (a in 0:1) {
    arm <- arms[a + 1]; k <- function(box) paste0("flow/consort/", arm, box)
    rows_a <- d$arm == a; st <- rows_a & started
    out(paste0("flow/consort/allocated.", arm), sum(rows_a & !tau))
    out(paste0("flow/consort/tau.", arm), sum(rows_a & tau))
    out(k(""), sum(rows_a))
    out(k(".waiting"), sum(rows_a & !started & code == 0))
    out(k(".declined"), sum(rows_a & !started & code != 0))
    out(k(".started"), sum(st))
    dropped <- st & d$dropped_out %in% 1
    out(k(".dropouts"), sum(dropped))
    named <- ifelse(code == 2 & reason > 0, reason, length(reasons))
    for (r in seq_along(reasons)) out(k(paste0(".dropouts.", reasons[r])), sum(dropped & named == r))
    out(k(".completers"), sum(st & d$dropped_out %in% 0))
  }
}

# Writes the value this script computed for `from` again under `to` (one figure, two keys).
same <- function(to, from) {
  hit <- rows[startsWith(rows, paste0(from, ","))]
  if (length(hit) == 1) rows <<- c(rows, paste0(to, substring(hit, nchar(from) + 1)))
}

describe <- function(prefix, x) {
  x <- x[!is.na(x)]
  out(paste0(prefix, "n"), length(x)); out(paste0(prefix, "mean"), mean(x)); out(paste0(prefix, "sd"), sd(x))
}

# SPSS CROSSTABS "Chi-Square Tests" and "Symmetric Measures" of a 2 x 2 table (rows: the
# arms 0, 1; columns: the values 0, 1). Pearson without continuity correction, Yates,
# likelihood ratio G2 = 2 sum O log(O / E), Fisher's exact (two-sided, and one-sided in the
# direction cell [1, 1] lies from its expectation), phi (signed) and Cramer's V.
crosstab <- function(key, tab) {
  out(paste0(key, "/n"), sum(tab)); out(paste0(key, "/dof"), 1)
  if (any(rowSums(tab) == 0) || any(colSums(tab) == 0)) return(invisible())
  pe <- suppressWarnings(chisq.test(tab, correct = FALSE))
  out(paste0(key, "/chi2"), pe$statistic); out(paste0(key, "/p_val"), pe$p.value)
  ya <- suppressWarnings(chisq.test(tab, correct = TRUE))
  out(paste0(key, "/yates_chi2"), ya$statistic); out(paste0(key, "/yates_p_val"), ya$p.value)
  g2 <- 2 * sum(ifelse(tab > 0, tab * log(tab / pe$expected), 0))
  out(paste0(key, "/lr_chi2"), g2); out(paste0(key, "/lr_p_val"), pchisq(g2, 1, lower.tail = FALSE))
  out(paste0(key, "/fisher_p_val"), fisher.test(tab)$p.value)
  side <- if (tab[1, 1] > pe$expected[1, 1]) "greater" else "less"
  one <- fisher.test(tab, alternative = side)$p.value
  if (tab[1, 1] == pe$expected[1, 1])
    one <- min(fisher.test(tab, alternative = "greater")$p.value, one)
  out(paste0(key, "/fisher_p_val_one_sided"), one)
  out(paste0(key, "/phi"), psych::phi(tab, digits = 17))
  out(paste0(key, "/cramers_v"), sqrt(pe$statistic / sum(tab)))
}

# Table 1's counts of a binary row: per arm n, the count of 1s and its percentage.
shares <- function(key, tab) {
  for (a in 1:2) {
    side <- c("reference", "comparison")[a]; n <- sum(tab[a, ])
    out(sprintf("%s/%s_n", key, side), n); out(sprintf("%s/%s_count", key, side), tab[a, 2])
    out(sprintf("%s/%s_percent", key, side), 100 * tab[a, 2] / n)
    arm <- sprintf("%s/arms/arm=%d", key, a - 1)
    out(paste0(arm, "/n"), n); out(paste0(arm, "/count"), tab[a, 2]); out(paste0(arm, "/percent"), 100 * tab[a, 2] / n)
  }
}

# SPSS "Independent Samples Test": Student's t (x - y) with its 95% CI, Welch's t,
# mean-centred Levene (SPSS's; car's default centres on the median), and Cohen's d and
# Hedges' g with noncentral-t intervals (effectsize).
two_groups <- function(key, x, y) {
  x <- x[!is.na(x)]; y <- y[!is.na(y)]
  if (length(x) < 2 || length(y) < 2) return(invisible())
  st <- t.test(x, y, var.equal = TRUE); we <- t.test(x, y, var.equal = FALSE)
  out(paste0(key, "/mean_difference"), mean(x) - mean(y))
  out(paste0(key, "/t"), st$statistic); out(paste0(key, "/dof"), st$parameter)
  out(paste0(key, "/p_val"), st$p.value)
  out(paste0(key, "/ci_low"), st$conf.int[1]); out(paste0(key, "/ci_high"), st$conf.int[2])
  out(paste0(key, "/welch_t"), we$statistic); out(paste0(key, "/welch_dof"), we$parameter)
  out(paste0(key, "/welch_p_val"), we$p.value)
  g <- factor(rep(1:2, c(length(x), length(y))))
  if (var(c(x, y)) > 0 && (var(x) > 0 || var(y) > 0)) {
    lv <- car::leveneTest(c(x, y) ~ g, center = mean)
    out(paste0(key, "/levene_f"), lv[1, "F value"]); out(paste0(key, "/levene_df1"), lv[1, "Df"])
    out(paste0(key, "/levene_df2"), lv[2, "Df"]); out(paste0(key, "/levene_p_val"), lv[1, "Pr(>F)"])
  }
  cd <- effectsize::cohens_d(x, y, ci = 0.95, verbose = FALSE)
  out(paste0(key, "/cohens_d"), cd$Cohens_d)
  out(paste0(key, "/cohens_d_ci_low"), cd$CI_low); out(paste0(key, "/cohens_d_ci_high"), cd$CI_high)
  hg <- effectsize::hedges_g(x, y, ci = 0.95, verbose = FALSE)
  out(paste0(key, "/hedges_g"), hg$Hedges_g)
  out(paste0(key, "/hedges_g_ci_low"), hg$CI_low); out(paste0(key, "/hedges_g_ci_high"), hg$CI_high)
}

# SPSS RELIABILITY /MODEL=ALPHA /SUMMARY=TOTAL, listwise: alpha, standardized alpha, the
# Feldt interval (psych::alpha.ci) and per item the mean, SD, corrected item-total r
# (psych's r.drop) and alpha if the item is deleted.
reliability <- function(key, columns) {
  items <- na.omit(d[, columns])
  out(paste0(key, "/n"), nrow(items)); out(paste0(key, "/k"), length(columns))
  a <- psych::alpha(items, check.keys = FALSE, warnings = FALSE)
  out(paste0(key, "/alpha"), a$total$raw_alpha); out(paste0(key, "/standardized_alpha"), a$total$std.alpha)
  ci <- psych::alpha.ci(a$total$raw_alpha, n.obs = nrow(items), n.var = length(columns), digits = 17)
  out(paste0(key, "/ci_low"), ci[[1]]); out(paste0(key, "/ci_high"), ci[[3]])
  for (i in seq_along(columns)) {
    item <- paste0(key, "/items/item=", columns[i])
    out(paste0(item, "/mean"), mean(items[[i]])); out(paste0(item, "/sd"), sd(items[[i]]))
    out(paste0(item, "/corrected_item_total_r"), a$item.stats$r.drop[i])
    if (length(columns) > 2) out(paste0(item, "/alpha_if_deleted"), a$alpha.drop$raw_alpha[i])
  }
}

# The Hosmer-Lemeshow test as embct groups the cases (the rule SAS PROC LOGISTIC documents;
# SPSS keeps tied fitted values together too): sorted by fitted probability, about g groups
# of M = floor(N / g + 0.5) cases, a block of tied values joins the current group when it
# has fewer than M cases and count + floor(block / 2) <= M; the last group takes the rest,
# and a last group below M / 2 joins the one before. ResourceSelection::hoslem.test cuts at
# quantiles instead (and may split ties), so it is not used.
hosmer_lemeshow <- function(key, y, p, g = 10) {
  o <- order(p); p <- p[o]; y <- y[o]
  r <- rle(p); ends <- cumsum(r$lengths); starts <- ends - r$lengths + 1
  target <- floor(length(y) / g + 0.5)
  lo <- integer(0); hi <- integer(0)
  for (b in seq_along(starts)) {
    k <- length(lo)
    if (k > 0) {
      count <- hi[k] - lo[k] + 1
      if (k == g || (count < target && count + r$lengths[b] %/% 2 <= target)) {
        hi[k] <- ends[b]; next
      }
    }
    lo <- c(lo, starts[b]); hi <- c(hi, ends[b])
  }
  k <- length(lo)
  if (k > 1 && hi[k] - lo[k] + 1 < target / 2) { hi[k - 1] <- hi[k]; lo <- lo[-k]; hi <- hi[-k] }
  chi2 <- 0
  for (j in seq_along(lo)) {
    s <- lo[j]:hi[j]; obs <- sum(y[s]); ex <- sum(p[s]); n <- length(s)
    grp <- paste0(key, "/groups/group=", j)
    out(paste0(grp, "/n"), n); out(paste0(grp, "/observed_1"), obs)
    out(paste0(grp, "/expected_1"), ex); out(paste0(grp, "/expected_0"), n - ex)
    out(paste0(grp, "/observed_0"), n - obs)
    chi2 <- chi2 + (obs - ex)^2 / (ex * (1 - ex / n))
  }
  df <- length(lo) - 2
  out(paste0(key, "/dof"), df)
  if (df >= 1) { out(paste0(key, "/chi2"), chi2); out(paste0(key, "/p_val"), pchisq(chi2, df, lower.tail = FALSE)) }
}

# SPSS LOGISTIC REGRESSION, hierarchical (one listwise sample): per step B, S.E., Wald,
# Sig., Exp(B) with its Wald 95% CI, -2LL, the model and step chi-squares, Cox & Snell and
# Nagelkerke R2, the classification table (predicted 1 when the fitted probability exceeds
# .5) and Hosmer-Lemeshow.
logistic_steps <- function(key, s, forms, terms) {
  n <- nrow(s); ll0 <- as.numeric(logLik(glm(dropped_out ~ 1, family = binomial, data = s)))
  out(paste0(key, "/n"), n); out(paste0(key, "/events"), sum(s$dropped_out))
  out(paste0(key, "/null_minus2ll"), -2 * ll0)
  previous <- ll0; previous_k <- 1
  for (i in seq_along(forms)) {
    # Converged far tighter than glm's default (1e-8 on the deviance), as embct's IRLS.
    fit <- glm(forms[[i]], family = binomial, data = s, control = glm.control(epsilon = 1e-14, maxit = 100))
    if (!fit$converged) break  # embct reports this step as skipped
    # SEs from the information matrix at the estimate, X'WX with W = p(1 - p) of the
    # fitted values; summary(glm) uses the weights its last iteration started from, which
    # differ in the 7th digit.
    X <- model.matrix(fit); p <- fitted(fit)
    co <- cbind(coef(fit), sqrt(diag(solve(crossprod(X, X * p * (1 - p))))))
    ll <- as.numeric(logLik(fit)); k <- nrow(co)
    step <- sprintf("%s/steps/step=%d", key, i)
    out(paste0(step, "/minus2ll"), -2 * ll)
    out(paste0(step, "/model_chi2"), 2 * (ll - ll0)); out(paste0(step, "/model_dof"), k - 1)
    out(paste0(step, "/model_p_val"), pchisq(2 * (ll - ll0), k - 1, lower.tail = FALSE))
    out(paste0(step, "/step_chi2"), 2 * (ll - previous)); out(paste0(step, "/step_dof"), k - previous_k)
    out(paste0(step, "/step_p_val"), pchisq(2 * (ll - previous), k - previous_k, lower.tail = FALSE))
    cs <- 1 - exp(2 / n * (ll0 - ll))
    out(paste0(step, "/cox_snell_r2"), cs); out(paste0(step, "/nagelkerke_r2"), cs / (1 - exp(2 / n * ll0)))
    for (j in seq_len(k)) {
      t <- paste0(step, "/terms/term=", terms[j]); b <- co[j, 1]; se <- co[j, 2]
      out(paste0(t, "/b"), b); out(paste0(t, "/se"), se); out(paste0(t, "/wald"), (b / se)^2)
      out(paste0(t, "/dof"), 1)
      out(paste0(t, "/p_val"), pchisq((b / se)^2, 1, lower.tail = FALSE))
      out(paste0(t, "/odds_ratio"), exp(b))
      out(paste0(t, "/ci_low"), exp(b - qnorm(0.975) * se)); out(paste0(t, "/ci_high"), exp(b + qnorm(0.975) * se))
    }
    ct <- table(factor(s$dropped_out, 0:1), factor(p > 0.5, c(FALSE, TRUE)))
    cl <- paste0(step, "/classification")
    out(paste0(cl, "/observed_0_predicted_0"), ct[1, 1]); out(paste0(cl, "/observed_0_predicted_1"), ct[1, 2])
    out(paste0(cl, "/observed_1_predicted_0"), ct[2, 1]); out(paste0(cl, "/observed_1_predicted_1"), ct[2, 2])
    out(paste0(cl, "/percent_correct"), 100 * (ct[1, 1] + ct[2, 2]) / n)
    out(paste0(cl, "/percent_correct_0"), 100 * ct[1, 1] / sum(ct[1, ]))
    out(paste0(cl, "/percent_correct_1"), 100 * ct[2, 2] / sum(ct[2, ]))
    hosmer_lemeshow(paste0(step, "/hosmer_lemeshow"), s$dropped_out, p)
    previous <- ll; previous_k <- k
  }
}

# Box's M with Box's (1949) F approximation, as SPSS GLM prints it (heplots and biotools,
# which have it, are not in Debian): M, F, df1, df2, Sig. and the chi-square approximation.
box_m <- function(key, Y, g) {
  g <- factor(g); p <- ncol(Y); k <- nlevels(g); N <- nrow(Y); n <- as.vector(table(g))
  covs <- lapply(levels(g), function(l) cov(Y[g == l, , drop = FALSE]))
  pooled <- Reduce(`+`, Map(function(S, ni) (ni - 1) * S, covs, n)) / (N - k)
  M <- (N - k) * log(det(pooled)) - sum((n - 1) * sapply(covs, function(S) log(det(S))))
  c1 <- (sum(1 / (n - 1)) - 1 / (N - k)) * (2 * p^2 + 3 * p - 1) / (6 * (p + 1) * (k - 1))
  c2 <- (sum(1 / (n - 1)^2) - 1 / (N - k)^2) * (p - 1) * (p + 2) / (6 * (k - 1))
  df1 <- (k - 1) * p * (p + 1) / 2; df2 <- (df1 + 2) / abs(c2 - c1^2)
  F <- if (c2 > c1^2) M / (df1 / (1 - c1 - df1 / df2)) else {
    b <- df2 / (1 - c1 + 2 / df2); df2 * M / (df1 * (b - M)) }
  out(paste0(key, "/m"), M); out(paste0(key, "/f"), F); out(paste0(key, "/df1"), df1)
  out(paste0(key, "/df2"), df2); out(paste0(key, "/p_val"), pf(F, df1, df2, lower.tail = FALSE))
  out(paste0(key, "/chi2"), M * (1 - c1))
}

# SPSS GLM Repeated Measures (one between factor, the arm; one within factor, time):
# car::Anova on the multivariate lm, Type III with sum coding.
repeated_measures <- function(key, w, waves, weeks) {
  Y <- as.matrix(w[, waves]); w$arm_f <- factor(w$arm); k <- length(waves)
  n <- nrow(w); v <- n - 2; p <- k - 1
  out(paste0(key, "/n"), n)
  for (a in 0:1) out(sprintf("%s/n_by_arm/%s", key, arm_labels[a + 1]), sum(w$arm == a))
  av <- car::Anova(lm(Y ~ arm_f, data = w), idata = data.frame(time = factor(seq_len(k))),
                   idesign = ~ time, type = 3)
  # Multivariate tests (Pillai, Wilks, Hotelling-Lawley, Roy; exact F with two arms).
  for (effect in c("time", "arm_f:time")) {
    name <- if (effect == "time") "time" else "time_x_arm"
    mv <- paste0(key, "/multivariate/", name)
    # car's own statistics (car:::Pillai, Wilks, HL, Roy) on the eigenvalues of
    # SSPE^-1 SSPH, as print(av) shows them: rows value, approx F, num Df, den Df.
    x <- av$SSP[[effect]]; e <- av$SSPE[[effect]]; q <- av$df[effect]
    eig <- Re(eigen(solve(e) %*% x, only.values = TRUE)$values)
    stats <- sapply(list(car:::Pillai, car:::Wilks, car:::HL, car:::Roy),
                    function(test) test(eig, q, av$error.df))
    out(paste0(mv, "/pillai_trace"), stats[1, 1]); out(paste0(mv, "/wilks_lambda"), stats[1, 2])
    out(paste0(mv, "/hotelling_lawley"), stats[1, 3]); out(paste0(mv, "/roys_root"), stats[1, 4])
    out(paste0(mv, "/f"), stats[2, 2]); out(paste0(mv, "/df1"), stats[3, 2])
    out(paste0(mv, "/df2"), stats[4, 2]); out(paste0(mv, "/p_val"), pf(stats[2, 2], stats[3, 2], stats[4, 2], lower.tail = FALSE))
    out(paste0(mv, "/partial_eta2"), 1 - stats[1, 2])  # one hypothesis df: 1 - Wilks
  }
  s <- summary(av, multivariate = FALSE)
  u <- unclass(s$univariate.tests); adj <- unclass(s$pval.adjustments)
  # Between subjects: the arm on the mean of the waves.
  bt <- paste0(key, "/between/arm")
  out(paste0(bt, "/f"), u["arm_f", "F value"]); out(paste0(bt, "/df1"), u["arm_f", "num Df"])
  out(paste0(bt, "/df2"), u["arm_f", "den Df"])
  out(paste0(bt, "/p_val"), u["arm_f", "Pr(>F)"])
  out(paste0(bt, "/partial_eta2"), u["arm_f", "Sum Sq"] / (u["arm_f", "Sum Sq"] + u["arm_f", "Error SS"]))
  # Mauchly's test (its chi-square from W on p(p+1)/2 - 1 df) and the epsilons: GG, HF
  # with Lecoutre's (1991) epsilon (car's "HF eps"), HF with Huynh & Feldt's (1976)
  # original (SPSS's), the lower bound 1 / (k - 1).
  sp <- paste0(key, "/sphericity")
  gg <- if (k > 2) adj["time", "GG eps"] else 1
  hf <- if (k > 2) adj["time", "HF eps"] else 1
  hf1976 <- (n * p * gg - 2) / (p * (v - p * gg))
  if (k > 2) {
    mw <- unclass(s$sphericity.tests)["time", "Test statistic"]
    df_m <- p * (p + 1) / 2 - 1
    fm <- 1 - (2 * p^2 + p + 2) / (6 * p * v)
    # Sig. as SPSS prints it: the chi-square's tail probability. car (like mauchly.test)
    # adds a second-order term to its p value; the two agree for three waves only.
    out(paste0(sp, "/mauchly_w"), mw); out(paste0(sp, "/chi2"), -fm * v * log(mw))
    out(paste0(sp, "/dof"), df_m); out(paste0(sp, "/p_val"), pchisq(-fm * v * log(mw), df_m, lower.tail = FALSE))
  }
  out(paste0(sp, "/gg_epsilon"), gg); out(paste0(sp, "/hf_epsilon"), hf)
  out(paste0(sp, "/hf_epsilon_original"), hf1976); out(paste0(sp, "/lower_bound_epsilon"), 1 / p)
  for (effect in c("time", "arm_f:time")) {
    name <- if (effect == "time") "time" else "time_x_arm"
    un <- paste0(key, "/univariate/", name)
    f <- u[effect, "F value"]; df1 <- u[effect, "num Df"]; df2 <- u[effect, "den Df"]
    out(paste0(un, "/ss"), u[effect, "Sum Sq"]); out(paste0(un, "/ss_error"), u[effect, "Error SS"])
    out(paste0(un, "/f"), f); out(paste0(un, "/df1"), df1); out(paste0(un, "/df2"), df2)
    out(paste0(un, "/p_val"), u[effect, "Pr(>F)"])
    out(paste0(un, "/partial_eta2"), u[effect, "Sum Sq"] / (u[effect, "Sum Sq"] + u[effect, "Error SS"]))
    for (corr in list(c("sphericity_assumed", 1), c("greenhouse_geisser", gg), c("huynh_feldt", hf),
                      c("lower_bound", 1 / p), c("huynh_feldt_1976", hf1976))) {
      e <- min(1, as.numeric(corr[2])); cn <- paste0(un, "/", corr[1])
      out(paste0(cn, "/epsilon"), as.numeric(corr[2]))
      out(paste0(cn, "/f"), f); out(paste0(cn, "/df1"), e * df1); out(paste0(cn, "/df2"), e * df2)
      out(paste0(cn, "/p_val"), pf(f, e * df1, e * df2, lower.tail = FALSE))
    }
  }
  # Tests of Within-Subjects Contrasts: the Type III ANOVA of each orthonormal polynomial
  # contrast score (contr.poly: equally spaced, SPSS's default POLYNOMIAL).
  cp <- contr.poly(k)
  for (j in seq_len(p)) {
    w$score <- drop(Y %*% cp[, j])
    a <- car::Anova(lm(score ~ arm_f, data = w), type = 3)
    ct <- sprintf("%s/within_contrasts/degree=%d", key, j)
    out(paste0(ct, "/time/ss"), a["(Intercept)", "Sum Sq"]); out(paste0(ct, "/time/f"), a["(Intercept)", "F value"])
    out(paste0(ct, "/time/p_val"), a["(Intercept)", "Pr(>F)"])
    out(paste0(ct, "/time_x_arm/ss"), a["arm_f", "Sum Sq"]); out(paste0(ct, "/time_x_arm/f"), a["arm_f", "F value"])
    out(paste0(ct, "/time_x_arm/p_val"), a["arm_f", "Pr(>F)"])
    out(paste0(ct, "/error/ss"), a["Residuals", "Sum Sq"]); out(paste0(ct, "/error/df"), a["Residuals", "Df"])
    out(paste0(ct, "/error/ms"), a["Residuals", "Sum Sq"] / a["Residuals", "Df"])
    for (effect in list(c("time", "(Intercept)"), c("time_x_arm", "arm_f"))) {
      ss <- a[effect[2], "Sum Sq"]; e <- paste0(ct, "/", effect[1])
      out(paste0(e, "/df"), a[effect[2], "Df"]); out(paste0(e, "/ms"), ss / a[effect[2], "Df"])
      out(paste0(e, "/partial_eta2"), ss / (ss + a["Residuals", "Sum Sq"]))
    }
  }
  box_m(paste0(key, "/box_m"), Y, w$arm)
  # Levene's test of equality of error variances per wave, mean-centred (SPSS).
  for (j in seq_len(k)) {
    lt <- car::leveneTest(Y[, j] ~ w$arm_f, center = mean)
    lv <- paste0(key, "/levene/wave=", waves[j])
    out(paste0(lv, "/f"), lt[1, "F value"]); out(paste0(lv, "/df1"), lt[1, "Df"])
    out(paste0(lv, "/df2"), lt[2, "Df"])
    out(paste0(lv, "/p_val"), lt[1, "Pr(>F)"])
  }
  # Estimated marginal means of each arm and wave: the cell mean with the pooled error of
  # the wave (lm(wave ~ arm)), t on n - 2 df.
  for (j in seq_len(k)) {
    sigma <- summary(lm(Y[, j] ~ w$arm_f))$sigma
    for (a in 0:1) {
      y <- Y[w$arm == a, j]; se <- sigma / sqrt(length(y))
      mm <- sprintf("%s/means/arm=%d&week=%d", key, a, weeks[j])  # the item with both
      out(paste0(mm, "/mean"), mean(y)); out(paste0(mm, "/se"), se); out(paste0(mm, "/n"), length(y))
      out(paste0(mm, "/ci_low"), mean(y) - qt(0.975, v) * se); out(paste0(mm, "/ci_high"), mean(y) + qt(0.975, v) * se)
    }
  }
}

# The alliance's linear mixed model on every available observation of the starters: a
# random intercept per participant, REML (lmerTest::lmer); fixed intercept, a dummy per
# later week, arm and week x arm. Wald z per term as embct reports it beside lmerTest's
# Satterthwaite t; the tests of time (the week effects averaged over the arms: week_j +
# week_j:arm / 2) and time x arm as Wald chi-squares and as Satterthwaite F
# (lmerTest::contestMD); likelihood-ratio tests of ML refits (lme4's anova(m0, m1)).
mixed_model <- function(key, long, later) {
  dummies <- paste0("week_", later); inter <- paste0(dummies, ":arm")
  full <- reformulate(c(dummies, "arm", inter, "(1 | participant_id)"), "wai")
  additive <- reformulate(c(dummies, "arm", "(1 | participant_id)"), "wai")
  m <- lmerTest::lmer(full, data = long, REML = TRUE)
  out(paste0(key, "/n_participants"), length(unique(long$participant_id)))
  out(paste0(key, "/n_obs"), nrow(long))
  vc <- as.data.frame(VarCorr(m))$vcov
  out(paste0(key, "/random_intercept_var"), vc[1]); out(paste0(key, "/residual_var"), vc[2])
  out(paste0(key, "/icc"), vc[1] / sum(vc)); out(paste0(key, "/loglik"), as.numeric(logLik(m)))
  co <- summary(m, ddf = "Satterthwaite")$coefficients
  names <- c("intercept", dummies, "arm", inter)
  for (j in seq_along(names)) {
    t <- paste0(key, "/terms/term=", names[j]); b <- co[j, "Estimate"]; se <- co[j, "Std. Error"]
    out(paste0(t, "/b"), b); out(paste0(t, "/se"), se); out(paste0(t, "/z"), b / se)
    out(paste0(t, "/p_val"), 2 * pnorm(-abs(b / se)))
    out(paste0(t, "/ci_low"), b - qnorm(0.975) * se); out(paste0(t, "/ci_high"), b + qnorm(0.975) * se)
    out(paste0(t, "/satterthwaite/df"), co[j, "df"]); out(paste0(t, "/satterthwaite/t"), co[j, "t value"])
    out(paste0(t, "/satterthwaite/p_val"), co[j, "Pr(>|t|)"])
    out(paste0(t, "/satterthwaite/ci_low"), b - qt(0.975, co[j, "df"]) * se)
    out(paste0(t, "/satterthwaite/ci_high"), b + qt(0.975, co[j, "df"]) * se)
  }
  q <- length(later); ncoef <- length(names)
  L_time <- matrix(0, q, ncoef); L_inter <- matrix(0, q, ncoef)
  for (j in seq_len(q)) { L_time[j, 1 + j] <- 1; L_time[j, q + 2 + j] <- 0.5; L_inter[j, q + 2 + j] <- 1 }
  for (test in list(list("time", L_time), list("time_x_arm", L_inter))) {
    L <- test[[2]]; tk <- paste0(key, "/tests/", test[[1]])
    est <- L %*% fixef(m); chi2 <- drop(t(est) %*% solve(L %*% as.matrix(vcov(m)) %*% t(L), est))
    out(paste0(tk, "/chi2"), chi2); out(paste0(tk, "/dof"), q)
    out(paste0(tk, "/p_val"), pchisq(chi2, q, lower.tail = FALSE))
    r <- lmerTest::contestMD(m, L, ddf = "Satterthwaite")
    out(paste0(tk, "/satterthwaite/f"), r[["F value"]]); out(paste0(tk, "/satterthwaite/df1"), r[["NumDF"]])
    out(paste0(tk, "/satterthwaite/df2"), r[["DenDF"]])
    out(paste0(tk, "/satterthwaite/p_val"), r[["Pr(>F)"]])
  }
  lr <- function(name, f0, f1) {
    a <- anova(lme4::lmer(f0, data = long), lme4::lmer(f1, data = long))  # refit = TRUE: ML
    lk <- paste0(key, "/lr_tests/", name)
    out(paste0(lk, "/loglik_m0"), a$logLik[1]); out(paste0(lk, "/loglik_m1"), a$logLik[2])
    out(paste0(lk, "/aic_m0"), a$AIC[1]); out(paste0(lk, "/aic_m1"), a$AIC[2])
    out(paste0(lk, "/chi2"), a$Chisq[2]); out(paste0(lk, "/dof"), a$Df[2])
    out(paste0(lk, "/p_val"), a[["Pr(>Chisq)"]][2])
  }
  lr("time_x_arm", additive, full)
  lr("time", reformulate(c("arm", "(1 | participant_id)"), "wai"), additive)
  lr("arm", reformulate(c(dummies, "(1 | participant_id)"), "wai"), additive)
}

# The paper's outcome regression (Tables 2, 3) on one listwise sample: hierarchical OLS,
# arm 0/1, wai_w2 uncentred; step 1 baseline + arm, step 2 + wai_w2, step 3 + wai_w2:arm.
# Per step SPSS REGRESSION's Model Summary (R, R2, adjusted R2, the change statistics), its
# ANOVA table (sums of squares, df, mean squares) and Coefficients (B, SE, Beta, t, Sig.,
# 95% CI, zero-order, partial and part correlations); then the step-3 probes (simple slopes,
# the arm difference at -1 SD / mean / +1 SD of wai_w2, Johnson-Neyman) and assumption
# checks (car::vif, Cook's distance, leverage, Shapiro-Wilk).
outcome_regression <- function(key, s) {
  s$wai_arm <- s$wai_w2 * s$arm
  steps <- list(c("baseline", "arm"), c("baseline", "arm", "wai_w2"),
                c("baseline", "arm", "wai_w2", "wai_arm"))
  terms <- c("intercept", "baseline", "arm", "wai_w2", "wai_w2:arm")
  out(paste0(key, "/n"), nrow(s))
  fits <- lapply(steps, function(x) lm(reformulate(x, "post"), data = s))
  ss_total <- sum((s$post - mean(s$post))^2)
  for (i in seq_along(fits)) {
    fit <- fits[[i]]; x <- steps[[i]]; sm <- summary(fit); co <- coef(sm); ci <- confint(fit)
    step <- sprintf("%s/steps/step=%d", key, i)
    out(paste0(step, "/r"), sqrt(sm$r.squared)); out(paste0(step, "/r2"), sm$r.squared)
    out(paste0(step, "/adj_r2"), sm$adj.r.squared)
    out(paste0(step, "/f"), sm$fstatistic[1]); out(paste0(step, "/df1"), sm$fstatistic[2])
    out(paste0(step, "/df2"), sm$fstatistic[3])
    out(paste0(step, "/p_val"), pf(sm$fstatistic[1], sm$fstatistic[2], sm$fstatistic[3], lower.tail = FALSE))
    ss_res <- sum(residuals(fit)^2)
    out(paste0(step, "/ss_regression"), ss_total - ss_res); out(paste0(step, "/ss_residual"), ss_res)
    out(paste0(step, "/ss_total"), ss_total)
    out(paste0(step, "/ms_regression"), (ss_total - ss_res) / length(x))
    out(paste0(step, "/ms_residual"), ss_res / df.residual(fit))
    if (i > 1) {
      a <- anova(fits[[i - 1]], fit)
      out(paste0(step, "/r2_change"), sm$r.squared - summary(fits[[i - 1]])$r.squared)
      out(paste0(step, "/f_change"), a$F[2]); out(paste0(step, "/f_change_df1"), a$Df[2])
      out(paste0(step, "/f_change_df2"), a$Res.Df[2]); out(paste0(step, "/f_change_p_val"), a$`Pr(>F)`[2])
    } else {
      out(paste0(step, "/r2_change"), sm$r.squared); out(paste0(step, "/f_change"), sm$fstatistic[1])
      out(paste0(step, "/f_change_df1"), sm$fstatistic[2]); out(paste0(step, "/f_change_df2"), sm$fstatistic[3])
      out(paste0(step, "/f_change_p_val"), pf(sm$fstatistic[1], sm$fstatistic[2], sm$fstatistic[3], lower.tail = FALSE))
    }
    for (j in seq_len(nrow(co))) {
      t <- paste0(step, "/terms/term=", terms[j])
      out(paste0(t, "/b"), co[j, 1]); out(paste0(t, "/se"), co[j, 2])
      out(paste0(t, "/t"), co[j, 3]); out(paste0(t, "/p_val"), co[j, 4])
      out(paste0(t, "/dof"), df.residual(fit))
      out(paste0(t, "/ci_low"), ci[j, 1]); out(paste0(t, "/ci_high"), ci[j, 2])
      if (j > 1) {
        v <- x[j - 1]; others <- setdiff(x, v)
        out(paste0(t, "/beta"), co[j, 1] * sd(s[[v]]) / sd(s$post))
        rx <- residuals(lm(reformulate(others, v), data = s))
        ry <- residuals(lm(reformulate(others, "post"), data = s))
        out(paste0(t, "/zero_order_r"), cor(s[[v]], s$post))
        out(paste0(t, "/partial_r"), cor(rx, ry)); out(paste0(t, "/part_r"), cor(rx, s$post))
      }
    }
  }
  fit <- fits[[3]]; b <- coef(fit); V <- vcov(fit); df <- df.residual(fit)
  probe <- function(k, w) {
    est <- sum(w * b); se <- sqrt(drop(t(w) %*% V %*% w)); tv <- est / se
    out(paste0(k, "/b"), est); out(paste0(k, "/se"), se); out(paste0(k, "/t"), tv)
    out(paste0(k, "/dof"), df); out(paste0(k, "/p_val"), 2 * pt(-abs(tv), df))
    out(paste0(k, "/ci_low"), est - qt(0.975, df) * se); out(paste0(k, "/ci_high"), est + qt(0.975, df) * se)
  }
  # The slope of wai_w2 in each arm: b_wai + arm b_wai:arm.
  for (a in 0:1) probe(sprintf("%s/simple_slopes/arm=%d", key, a), c(0, 0, 0, 1, a))
  m <- mean(s$wai_w2); sdw <- sd(s$wai_w2)
  # The arm difference at wai_w2 = mean - 1 SD, mean, mean + 1 SD: b_arm + W b_wai:arm.
  for (spot in list(c("-1 SD", m - sdw), c("mean", m), c("+1 SD", m + sdw))) {
    k <- paste0(key, "/arm_difference_at/label=", spot[1]); w <- as.numeric(spot[2])
    out(paste0(k, "/wai_w2"), w); probe(k, c(0, 0, 1, 0, w))
  }
  # Johnson-Neyman: the wai_w2 values where the arm difference is just significant, the
  # roots of (b_arm + W b_int)^2 = t^2 (V_arm + 2 W V_arm,int + W^2 V_int).
  tc <- qt(0.975, df); A <- b[5]^2 - tc^2 * V[5, 5]; B <- 2 * (b[3] * b[5] - tc^2 * V[3, 5])
  C <- b[3]^2 - tc^2 * V[3, 3]; disc <- B^2 - 4 * A * C
  out(paste0(key, "/johnson_neyman/t_crit"), tc)
  if (disc >= 0) {
    roots <- sort(c((-B - sqrt(disc)) / (2 * A), (-B + sqrt(disc)) / (2 * A)))
    out(paste0(key, "/johnson_neyman/lower"), roots[1]); out(paste0(key, "/johnson_neyman/upper"), roots[2])
  }
  out(paste0(key, "/moderator/mean"), m); out(paste0(key, "/moderator/sd"), sdw)
  out(paste0(key, "/moderator/min"), min(s$wai_w2)); out(paste0(key, "/moderator/max"), max(s$wai_w2))
  out(paste0(key, "/covariates/baseline_mean"), mean(s$baseline))
  vf <- car::vif(fit)  # the product as its own column: the VIF of each predictor
  for (j in seq_along(vf)) out(paste0(key, "/assumptions/vif/", terms[j + 1]), vf[j])
  cd <- cooks.distance(fit)
  out(paste0(key, "/assumptions/max_cooks_d"), max(cd))
  out(paste0(key, "/assumptions/n_cooks_d_above_4_over_n"), sum(cd > 4 / nrow(s)))
  out(paste0(key, "/assumptions/max_leverage"), max(hatvalues(fit)))
  if (nrow(s) >= 3 && nrow(s) <= 5000) {
    sw <- shapiro.test(residuals(fit))
    out(paste0(key, "/assumptions/shapiro_w"), sw$statistic)
    out(paste0(key, "/assumptions/shapiro_p_val"), sw$p.value)
  }
}

# Intention to treat: the outcome regression on every randomized participant, post,
# baseline and wai_w2 imputed by chained equations (mice, predictive mean matching) within
# each arm, the auxiliary columns as further predictors, pooled by Rubin's rules
# (mice::pool, pool.r.squared). Our random numbers are not R's: the pooled figures agree
# with embct's only within Monte Carlo error (each estimate's between-imputation variance
# B is written too, as .../b_between, so the comparison can allow for it). The
# missing-data pattern (mice::md.pattern) is exact.
intention_to_treat <- function(key, s, m, maxit) {
  mp <- md.pattern(s[, c("post", "baseline", "wai_w2")], plot = FALSE)
  for (i in seq_len(nrow(mp) - 1)) {
    pattern <- paste(mp[i, c("post", "baseline", "wai_w2")], collapse = "")
    out(paste0(key, "/pattern/patterns/observed=", pattern, "/n"), as.numeric(rownames(mp)[i]))
    out(paste0(key, "/pattern/patterns/observed=", pattern, "/n_missing"), mp[i, ncol(mp)])
  }
  out(paste0(key, "/n"), nrow(s)); out(paste0(key, "/pattern/n"), nrow(s))
  for (v in c("post", "baseline", "wai_w2")) out(paste0(key, "/pattern/missing/", v), sum(is.na(s[[v]])))
  imp <- rbind(
    mice(s[s$arm == 0, ], m = m, maxit = maxit, method = "pmm", seed = 1, printFlag = FALSE),
    mice(s[s$arm == 1, ], m = m, maxit = maxit, method = "pmm", seed = 2, printFlag = FALSE))
  forms <- c("post ~ baseline + arm", "post ~ baseline + arm + wai_w2",
             "post ~ baseline + arm + wai_w2 + wai_w2:arm")
  terms <- c("intercept", "baseline", "arm", "wai_w2", "wai_w2:arm")
  for (k in 1:3) {
    fit <- with(imp, lm(as.formula(forms[k])))
    pooled <- pool(fit)$pooled
    step <- sprintf("%s/steps/step=%d", key, k)
    out(paste0(step, "/r2"), pool.r.squared(fit)[1, "est"])
    for (j in seq_len(nrow(pooled))) {
      t <- paste0(step, "/terms/term=", terms[j])
      out(paste0(t, "/b"), pooled$estimate[j]); out(paste0(t, "/se"), sqrt(pooled$t[j]))
      out(paste0(t, "/b_between"), pooled$b[j]); out(paste0(t, "/lambda"), pooled$lambda[j])
    }
  }
}

# Clustering: ICC(1) of the outcome by therapist and by group (one-way ANOVA mean squares,
# Donner's n0; and the REML ICC of lmer(post ~ 1 + (1 | cluster))), and each regression
# step with CR2 cluster-robust SEs by therapist on Satterthwaite df
# (clubSandwich::coef_test) and with a random therapist intercept (lmerTest, REML,
# Satterthwaite df).
clustering <- function(key, s) {
  s$wai_arm <- s$wai_w2 * s$arm
  for (cl in c("therapist", "group")) {
    col <- paste0(cl, "_id")
    if (!(col %in% names(s))) next
    t <- s[!is.na(s[[col]]) & s[[col]] != "", ]
    if (length(unique(t[[col]])) < 2) next
    t$cluster <- factor(t[[col]])
    a <- summary(aov(post ~ cluster, data = t))[[1]]
    msb <- a[1, "Mean Sq"]; msw <- a[2, "Mean Sq"]; nj <- table(t$cluster)
    N <- nrow(t); J <- length(nj); n0 <- (N - sum(nj^2) / N) / (J - 1)
    ik <- paste0(key, "/icc/", cl)
    out(paste0(ik, "/n"), N); out(paste0(ik, "/n_clusters"), J); out(paste0(ik, "/n0"), n0)
    out(paste0(ik, "/ms_between"), msb); out(paste0(ik, "/ms_within"), msw)
    out(paste0(ik, "/f"), a[1, "F value"]); out(paste0(ik, "/p_val"), a[1, "Pr(>F)"])
    out(paste0(ik, "/icc1"), (msb - msw) / (msb + (n0 - 1) * msw))
    e <- suppressMessages(lmer(post ~ 1 + (1 | cluster), data = t, REML = TRUE))
    vc <- as.data.frame(VarCorr(e))$vcov
    out(paste0(ik, "/icc_reml"), vc[1] / sum(vc)); out(paste0(ik, "/tau2"), vc[1]); out(paste0(ik, "/sigma2"), vc[2])
    out(paste0(ik, "/df1"), a[1, "Df"]); out(paste0(ik, "/df2"), a[2, "Df"])
  }
  s <- s[!is.na(s$therapist_id) & s$therapist_id != "", ]
  out(paste0(key, "/n"), nrow(s)); out(paste0(key, "/n_therapists"), length(unique(s$therapist_id)))
  steps <- list(c("baseline", "arm"), c("baseline", "arm", "wai_w2"),
                c("baseline", "arm", "wai_w2", "wai_arm"))
  terms <- c("intercept", "baseline", "arm", "wai_w2", "wai_w2:arm")
  for (k in 1:3) {
    fit <- lm(reformulate(steps[[k]], "post"), data = s)
    ct <- coef_test(fit, vcov = "CR2", cluster = s$therapist_id, test = "Satterthwaite")
    mm <- suppressMessages(lmer(reformulate(c(steps[[k]], "(1 | therapist_id)"), "post"), data = s, REML = TRUE))
    cm <- summary(mm, ddf = "Satterthwaite")$coefficients
    vc <- as.data.frame(VarCorr(mm))$vcov
    step <- sprintf("%s/models/step=%d", key, k)
    out(paste0(step, "/tau2"), vc[1]); out(paste0(step, "/sigma2"), vc[2])
    out(paste0(step, "/icc_residual"), vc[1] / sum(vc))
    for (j in seq_len(nrow(cm))) {
      t <- paste0(step, "/terms/term=", terms[j])
      out(paste0(t, "/b"), coef(fit)[j]); out(paste0(t, "/se_ols"), sqrt(diag(vcov(fit)))[j])
      out(paste0(t, "/dof_ols"), df.residual(fit)); out(paste0(t, "/p_val_ols"), coef(summary(fit))[j, 4])
      out(paste0(t, "/se_cr2"), ct$SE[j]); out(paste0(t, "/dof_cr2"), ct$df_Satt[j])
      out(paste0(t, "/p_val_cr2"), ct$p_Satt[j])
      out(paste0(t, "/b_mixed"), cm[j, "Estimate"]); out(paste0(t, "/se_mixed"), cm[j, "Std. Error"])
      out(paste0(t, "/dof_mixed"), cm[j, "df"]); out(paste0(t, "/p_val_mixed"), cm[j, "Pr(>|t|)"])
    }
  }
}

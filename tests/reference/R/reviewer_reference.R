# Reference values for the statistics a reviewer asks for (issue 16): the 2 x 2 table's
# Yates and likelihood-ratio chi-squares, one-sided Fisher, phi and Cramer's V; Cohen's d
# and Hedges' g with noncentral-t intervals; the logistic classification table and the
# Hosmer-Lemeshow test; the regression ANOVA table and zero-order, partial and part
# correlations; corrected item-total correlations and alpha if item deleted.
# Read by tests/analysis/test_compare.py, test_pipeline.py and
# tests/analysis/test_logistic.py, test_regression.py.
# Run from this folder:  Rscript reviewer_reference.R > reviewer_reference.csv
# R 4.2.2 + effectsize 0.8.3, psych 2.2.9 (Debian r-base-core, r-cran-effectsize,
# r-cran-psych). Output: name,value (15 digits).
suppressPackageStartupMessages({
  library(effectsize)
  library(psych)
})
out <- function(name, value) cat(sprintf("%s,%.15g\n", name, value))
cat("name,value\n")

# ---- 2 x 2 tables ------------------------------------------------------------------------
d <- read.csv("pipeline_small.csv", stringsAsFactors = TRUE)   # group a = reference, b
ev <- table(d$group, d$event)
flow <- matrix(c(95 - 11, 11, 103 - 24, 24), nrow = 2, byrow = TRUE)  # the paper's Figure 1
for (name in c("event", "flow")) {
  m <- if (name == "event") ev else flow
  y <- chisq.test(m)                                    # Yates (R's default for 2 x 2)
  out(paste0(name, "_yates_chi2"), y$statistic); out(paste0(name, "_yates_p_val"), y$p.value)
  e <- chisq.test(m, correct = FALSE)$expected          # G2 = 2 sum O log(O / E)
  g2 <- 2 * sum(ifelse(m > 0, m * log(m / e), 0))
  out(paste0(name, "_lr_chi2"), g2); out(paste0(name, "_lr_p_val"), pchisq(g2, 1, lower.tail = FALSE))
  out(paste0(name, "_fisher_greater"), fisher.test(m, alternative = "greater")$p.value)
  out(paste0(name, "_fisher_less"), fisher.test(m, alternative = "less")$p.value)
  out(paste0(name, "_phi"), psych::phi(m, digits = 15))
  out(paste0(name, "_cramers_v"), effectsize::cramers_v(m, adjust = FALSE)$Cramers_v)
}
lv <- table(d$group, d$level)                           # 2 x 3: V only
out("level_cramers_v", effectsize::cramers_v(lv, adjust = FALSE)$Cramers_v)

# ---- Cohen's d and Hedges' g (pooled SD; noncentral t CI) --------------------------------
cd <- effectsize::cohens_d(score ~ group, data = d, ci = 0.95)
out("cohens_d", cd$Cohens_d); out("cohens_d_ci_low", cd$CI_low); out("cohens_d_ci_high", cd$CI_high)
hg <- effectsize::hedges_g(score ~ group, data = d, ci = 0.95)
out("hedges_g", hg$Hedges_g); out("hedges_g_ci_low", hg$CI_low); out("hedges_g_ci_high", hg$CI_high)
sd_ <- effectsize::cohens_d(extra ~ group, data = sleep)        # R's datasets::sleep
out("sleep_cohens_d", sd_$Cohens_d); out("sleep_cohens_d_ci_low", sd_$CI_low)
out("sleep_cohens_d_ci_high", sd_$CI_high)
sg <- effectsize::hedges_g(extra ~ group, data = sleep)
out("sleep_hedges_g", sg$Hedges_g); out("sleep_hedges_g_ci_low", sg$CI_low)
out("sleep_hedges_g_ci_high", sg$CI_high)

# ---- logistic: classification table (cut .5) and Hosmer-Lemeshow -------------------------
# ResourceSelection::hoslem.test (0.3-5) groups by the quantiles of the fitted values;
# Debian has no r-cran-resourceselection, so its definition is written out here:
# cut(yhat, breaks = quantile(yhat, probs = seq(0, 1, 1/g)), include.lowest = TRUE),
# chi-square = sum((obs - expect)^2 / expect) over both outcome columns, df = g - 2.
hoslem <- function(y, yhat, g = 10) {
  cutyhat <- cut(yhat, breaks = quantile(yhat, probs = seq(0, 1, 1 / g)), include.lowest = TRUE)
  obs <- xtabs(cbind(1 - y, y) ~ cutyhat)
  expect <- xtabs(cbind(1 - yhat, yhat) ~ cutyhat)
  chisq <- sum((obs - expect)^2 / expect)
  list(chisq = chisq, df = g - 2, p = pchisq(chisq, g - 2, lower.tail = FALSE),
       n = as.vector(table(cutyhat)), observed_1 = as.vector(obs[, 2]),
       expected_1 = as.vector(expect[, 2]))
}
trial <- read.csv("models/trial.csv")
trial$started <- trial$started == "True"
dl <- subset(trial, started & !is.na(wai_w2) & !is.na(dropped_out))
g2 <- glm(dropped_out ~ wai_w2 + arm + wai_w2:arm, family = binomial, data = dl)
ct <- table(factor(dl$dropped_out, 0:1), factor(fitted(g2) > 0.5, c(FALSE, TRUE)))
out("dropout_class_o0_p0", ct[1, 1]); out("dropout_class_o0_p1", ct[1, 2])
out("dropout_class_o1_p0", ct[2, 1]); out("dropout_class_o1_p1", ct[2, 2])
out("dropout_fitted_distinct", length(unique(round(fitted(g2), 12))))
hd <- hoslem(dl$dropped_out, fitted(g2))
out("dropout_hoslem_chi2", hd$chisq)   # quantile groups: ties split, differs from ours
pen <- read.csv("models/penguins.csv")[1:330, ]     # n a multiple of 10
gp <- glm(male ~ body_mass_g + bill_length_mm + flipper_length_mm, family = binomial, data = pen)
out("penguins_fitted_distinct", length(unique(round(fitted(gp), 12))))
hp <- hoslem(pen$male, fitted(gp))
out("penguins_hoslem_chi2", hp$chisq); out("penguins_hoslem_df", hp$df)
out("penguins_hoslem_p_val", hp$p)
for (i in 1:10) {
  out(sprintf("penguins_hoslem_n_%d", i), hp$n[i])
  out(sprintf("penguins_hoslem_observed_1_%d", i), hp$observed_1[i])
  out(sprintf("penguins_hoslem_expected_1_%d", i), hp$expected_1[i])
}
cp <- table(factor(pen$male, 0:1), factor(fitted(gp) > 0.5, c(FALSE, TRUE)))
out("penguins_class_o0_p0", cp[1, 1]); out("penguins_class_o0_p1", cp[1, 2])
out("penguins_class_o1_p0", cp[2, 1]); out("penguins_class_o1_p1", cp[2, 2])

# ---- regression: ANOVA table per step, zero-order / partial / part correlations ----------
pen <- read.csv("models/penguins.csv")
pen$bill_x_male <- pen$bill_length_mm * pen$male
steps <- list(c("flipper_length_mm", "male"), c("flipper_length_mm", "male", "bill_length_mm"),
              c("flipper_length_mm", "male", "bill_length_mm", "bill_x_male"))
for (s in seq_along(steps)) {
  x <- steps[[s]]
  m <- lm(reformulate(x, "body_mass_g"), data = pen)
  ss_res <- sum(residuals(m)^2)
  ss_tot <- sum((pen$body_mass_g - mean(pen$body_mass_g))^2)
  ss_reg <- sum((fitted(m) - mean(pen$body_mass_g))^2)
  df1 <- length(x); df2 <- df.residual(m)
  out(sprintf("penguins_step%d_ss_regression", s), ss_reg)
  out(sprintf("penguins_step%d_ss_residual", s), ss_res)
  out(sprintf("penguins_step%d_ss_total", s), ss_tot)
  out(sprintf("penguins_step%d_ms_regression", s), ss_reg / df1)
  out(sprintf("penguins_step%d_ms_residual", s), ss_res / df2)
  for (v in x) {
    others <- setdiff(x, v)
    # residualize on the other terms (an intercept alone when there are none)
    rx <- residuals(lm(reformulate(if (length(others)) others else "1", v), data = pen))
    ry <- residuals(lm(reformulate(if (length(others)) others else "1", "body_mass_g"), data = pen))
    out(sprintf("penguins_step%d_%s_zero_order_r", s, v), cor(pen[[v]], pen$body_mass_g))
    out(sprintf("penguins_step%d_%s_partial_r", s, v), cor(rx, ry))
    out(sprintf("penguins_step%d_%s_part_r", s, v), cor(rx, pen$body_mass_g))
  }
}

# ---- reliability: item-total statistics (listwise) ---------------------------------------
h <- read.csv("pipeline_hads_items.csv")
items <- na.omit(h[, paste0("hads_pre_", 1:14)])
a <- psych::alpha(items, check.keys = FALSE, warnings = FALSE)
for (i in 1:14) {
  out(sprintf("hads_pre_%d_r_drop", i), a$item.stats$r.drop[i])
  out(sprintf("hads_pre_%d_alpha_if_deleted", i), a$alpha.drop$raw_alpha[i])
  out(sprintf("hads_pre_%d_mean", i), a$item.stats$mean[i])
  out(sprintf("hads_pre_%d_sd", i), a$item.stats$sd[i])
}

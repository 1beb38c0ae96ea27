# Reference values for tests/analysis/test_cluster.py (embct.analysis.cluster):
# ICC(1) by therapist and by group, CR2 cluster-robust tests with Satterthwaite df, and the
# random-therapist-intercept model with Satterthwaite df, per step of the outcome regression.
# Run from this folder:  Rscript clustering.R > clustering_output.csv
# R 4.2.2 + clubSandwich 0.5.8 + lme4 1.1-31 + lmerTest 3.1-3 (Debian r-cran-*).
# Output: name,value (15 significant digits).
suppressPackageStartupMessages({library(clubSandwich); library(lmerTest)})
out <- function(name, value) cat(sprintf("%s,%.15g\n", name, value))
cat("name,value\n")
d <- read.csv("clustered_trial.csv", na.strings = "")
d$arm <- as.numeric(d$arm == "embct")
for (outcome in c("hads", "mhc")) {
  s <- d[d$completer == 1, ]
  s$post <- s[[paste0(outcome, "_post")]]; s$baseline <- s[[paste0(outcome, "_pre")]]
  s <- s[complete.cases(s[, c("post", "baseline", "wai_w2")]), ]
  out(paste0(outcome, "_n"), nrow(s))
  # ICC(1): one-way ANOVA mean squares, Donner's n0; REML ICC of lmer(post ~ 1 + (1 | cluster))
  for (cl in c("therapist", "group")) {
    col <- paste0(cl, "_id")
    t <- s[!is.na(s[[col]]) & s[[col]] != "", ]
    t$cluster <- factor(t[[col]])
    a <- summary(aov(post ~ cluster, data = t))[[1]]
    msb <- a[1, "Mean Sq"]; msw <- a[2, "Mean Sq"]
    nj <- table(t$cluster); N <- nrow(t); J <- length(nj)
    n0 <- (N - sum(nj^2) / N) / (J - 1)
    p <- paste0(outcome, "_icc_", cl, "_")
    out(paste0(p, "ms_between"), msb); out(paste0(p, "ms_within"), msw)
    out(paste0(p, "f"), a[1, "F value"]); out(paste0(p, "p_val"), a[1, "Pr(>F)"])
    out(paste0(p, "icc1"), (msb - msw) / (msb + (n0 - 1) * msw))
    e <- lmer(post ~ 1 + (1 | cluster), data = t, REML = TRUE)
    vc <- as.data.frame(VarCorr(e))$vcov
    out(paste0(p, "icc_reml"), vc[1] / sum(vc))
  }
  forms <- list(post ~ baseline + arm, post ~ baseline + arm + wai_w2,
                post ~ baseline + arm + wai_w2 + wai_w2:arm)
  for (k in 1:3) {
    fit <- lm(forms[[k]], data = s)
    # clubSandwich::coef_test(fit, vcov = "CR2", cluster = s$therapist_id, test = "Satterthwaite")
    ct <- coef_test(fit, vcov = "CR2", cluster = s$therapist_id, test = "Satterthwaite")
    # lmerTest::lmer(update(form, . ~ . + (1 | therapist_id)), REML = TRUE), Satterthwaite df
    mm <- lmer(update(forms[[k]], . ~ . + (1 | therapist_id)), data = s, REML = TRUE)
    cm <- summary(mm, ddf = "Satterthwaite")$coefficients
    vc <- as.data.frame(VarCorr(mm))$vcov
    p <- paste0(outcome, "_step", k, "_")
    out(paste0(p, "tau2"), vc[1]); out(paste0(p, "sigma2"), vc[2])
    for (j in seq_len(nrow(cm))) {
      q <- paste0(p, j - 1, "_")
      out(paste0(q, "b"), coef(fit)[j]); out(paste0(q, "se_ols"), sqrt(diag(vcov(fit)))[j])
      out(paste0(q, "se_cr2"), ct$SE[j]); out(paste0(q, "dof_cr2"), ct$df_Satt[j])
      out(paste0(q, "p_val_cr2"), ct$p_Satt[j])
      out(paste0(q, "b_mixed"), cm[j, "Estimate"]); out(paste0(q, "se_mixed"), cm[j, "Std. Error"])
      out(paste0(q, "dof_mixed"), cm[j, "df"]); out(paste0(q, "p_val_mixed"), cm[j, "Pr(>|t|)"])
    }
  }
}

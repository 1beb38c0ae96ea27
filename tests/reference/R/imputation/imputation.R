# Reference values for tests/analysis/test_impute.py (embct.analysis.impute):
# multiple imputation by chained equations of the outcome regressions on every randomized
# participant of ../clustering/clustered_trial.csv, imputed within each arm, pooled by
# Rubin's rules; the missing-data pattern; and the completed data sets of the hads analysis
# (imputation_completed_hads.csv), on which Rubin's rules are checked exactly.
# Run from this folder:  Rscript imputation.R > imputation_output.csv
# R 4.2.2 + mice 3.15.0 (Debian r-cran-mice). Output: name,value (15 significant digits).
suppressPackageStartupMessages(library(mice))
out <- function(name, value) cat(sprintf("%s,%.15g\n", name, value))
cat("name,value\n")
M <- 20; MAXIT <- 10
d <- read.csv("../clustering/clustered_trial.csv", na.strings = "")
d$arm <- as.numeric(d$arm == "embct")
for (outcome in c("hads", "mhc")) {
  s <- data.frame(post = d[[paste0(outcome, "_post")]], baseline = d[[paste0(outcome, "_pre")]],
                  wai_w2 = d$wai_w2, sessions_attended = d$sessions_attended, arm = d$arm)
  # mice::md.pattern(s[, c("post", "baseline", "wai_w2")], plot = FALSE): rows = patterns
  mp <- md.pattern(s[, c("post", "baseline", "wai_w2")], plot = FALSE)
  for (i in seq_len(nrow(mp) - 1)) {
    key <- paste(mp[i, c("post", "baseline", "wai_w2")], collapse = "")
    out(paste0(outcome, "_pattern_", key), as.numeric(rownames(mp)[i]))
  }
  # Within each arm (arm is constant there: mice drops it as a predictor), pmm, then rbind
  imp <- rbind(
    mice(s[s$arm == 0, ], m = M, maxit = MAXIT, method = "pmm", seed = 1, printFlag = FALSE),
    mice(s[s$arm == 1, ], m = M, maxit = MAXIT, method = "pmm", seed = 2, printFlag = FALSE))
  forms <- c("post ~ baseline + arm", "post ~ baseline + arm + wai_w2",
             "post ~ baseline + arm + wai_w2 + wai_w2:arm")
  for (k in 1:3) {
    fit <- with(imp, lm(as.formula(forms[k])))
    # mice::pool(fit)$pooled and summary(pool(fit), conf.int = TRUE)
    pooled <- pool(fit)$pooled
    sm <- summary(pool(fit), conf.int = TRUE)
    r2 <- pool.r.squared(fit)
    p <- paste0(outcome, "_step", k, "_")
    out(paste0(p, "r2"), r2[1, "est"]); out(paste0(p, "r2_ci_low"), r2[1, "lo 95"])
    out(paste0(p, "r2_ci_high"), r2[1, "hi 95"])
    for (j in seq_len(nrow(pooled))) {
      q <- paste0(p, j - 1, "_")
      for (col in c("estimate", "ubar", "b", "t", "df", "riv", "lambda", "fmi"))
        out(paste0(q, col), pooled[j, col])
      out(paste0(q, "p_val"), sm$p.value[j]); out(paste0(q, "ci_low"), sm[j, "2.5 %"])
      out(paste0(q, "ci_high"), sm[j, "97.5 %"])
    }
  }
  if (outcome == "hads") {
    long <- complete(imp, "long")
    write.csv(long[, c(".imp", "post", "baseline", "wai_w2", "arm")],
              "imputation_completed_hads.csv", row.names = FALSE)
  }
}

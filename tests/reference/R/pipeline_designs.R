# Reference values for tests/analysis/test_config_designs.py: a trial unlike BeMind
# (pipeline_designs.csv, written by make_designs.py; configuration pipeline_designs.toml):
# a 0-40 SRS-like alliance measure after each of 8 sessions, a PHQ-9 (plain sum of 9 items)
# at pre, post, 3 and 9 months. Run from this folder:
#   Rscript pipeline_designs.R > pipeline_designs_reference.csv
# R 4.2 + car + lme4 (Debian r-base-core, r-cran-car, r-cran-lme4). Output: name,value.
suppressPackageStartupMessages({ library(car); library(lme4) })
options(contrasts = c("contr.sum", "contr.poly"))  # Type III needs sum-to-zero coding
out <- function(name, value) cat(sprintf("%s,%.15g\n", name, value))
cat("name,value\n")

d <- read.csv("pipeline_designs.csv")
d$arm <- as.numeric(d$group == "online")
d$completer <- d$sessions >= 4
srs <- paste0("srs", 1:8)
phq <- function(w) { x <- d[, paste0("phq", w, "_", 1:9)]; rowSums(x) }  # NA if any item is
d$pre <- phq(0); d$post <- phq(1); d$fu3 <- phq(3); d$fu9 <- phq(9)

# Alliance development: completers with all 8 SRS totals, car::Anova Type III (8 x 2 split plot)
wide <- d[d$completer & complete.cases(d[, srs]), ]
wide$armf <- factor(wide$arm)
session <- factor(paste0("s", 1:8))
mod <- lm(as.matrix(wide[, srs]) ~ armf, data = wide)
av <- Anova(mod, idata = data.frame(session), idesign = ~ session, type = 3)
out("rm_n", nrow(wide))
for (term in c("session", "armf:session")) {
  name <- if (term == "session") "time" else "time_x_arm"
  tst <- av$SSP[[term]]; err <- av$SSPE[[term]]
  wilks <- det(err) / det(tst + err)
  p <- ncol(err); v <- av$error.df
  out(paste0("rm_", name, "_wilks"), wilks)
  out(paste0("rm_", name, "_mv_f"), (1 - wilks) / wilks * (v - p + 1) / p)
}
s <- summary(av, multivariate = FALSE)
out("rm_gg_epsilon", s$pval.adjustments["session", "GG eps"])
out("rm_hf_epsilon", s$pval.adjustments["session", "HF eps"])
out("rm_time_f", s$univariate.tests["session", "F value"])
out("rm_time_x_arm_f", s$univariate.tests["armf:session", "F value"])
out("rm_mauchly_w", s$sphericity.tests["session", "Test statistic"])
out("rm_between_f", s$univariate.tests["armf", "F value"])

# Mixed model on every available SRS total of starters (everyone here started): lme4 REML,
# session 1 the reference, dummies per later session, arm and session x arm.
long <- reshape(d[, c("id", "arm", srs)], direction = "long", varying = srs, v.names = "srs",
                timevar = "session", times = 1:8, idvar = "id")
long <- long[!is.na(long$srs), ]
long$sf <- relevel(factor(long$session), ref = "1")
contrasts(long$sf) <- contr.treatment(8)
lmm <- lmer(srs ~ sf * arm + (1 | id), data = long, REML = TRUE)
b <- fixef(lmm); se <- sqrt(diag(as.matrix(vcov(lmm))))
# lme4 orders intercept, sf2..sf8, arm, sf2:arm..sf8:arm: embct's order too.
for (i in seq_along(b)) { out(paste0("mixed_b_", i), b[i]); out(paste0("mixed_se_", i), se[i]) }
out("mixed_n_obs", nrow(long))
out("mixed_loglik", as.numeric(logLik(lmm, REML = TRUE)))
vc <- as.data.frame(VarCorr(lmm))
out("mixed_group_var", vc$vcov[vc$grp == "id"])
out("mixed_residual_var", vc$vcov[vc$grp == "Residual"])

# Outcome regressions, step 3 (PHQ-9 at post, 3 and 9 months on pre + arm + SRS s2 + SRS s2 x arm),
# completers with the waves needed (one listwise sample over the steps).
for (wave in c("post", "fu3", "fu9")) {
  r <- d[d$completer & !is.na(d$pre) & !is.na(d[[wave]]) & !is.na(d$srs2), ]
  r$y <- r[[wave]]
  m3 <- lm(y ~ pre + arm + srs2 + srs2:arm, data = r)
  out(paste0("reg_", wave, "_n"), nrow(r))
  out(paste0("reg_", wave, "_r2"), summary(m3)$r.squared)
  cf <- coef(summary(m3))
  for (i in seq_len(nrow(cf))) {
    out(paste0("reg_", wave, "_b_", i), cf[i, 1]); out(paste0("reg_", wave, "_se_", i), cf[i, 2])
  }
}

# Reliability of the declared PHQ-9's items per wave: psych::alpha on complete cases
# (SPSS RELIABILITY's listwise sample), raw and standardized alpha.
suppressPackageStartupMessages(library(psych))
for (w in c("0", "1", "3", "9")) {
  x <- d[, paste0("phq", w, "_", 1:9)]
  x <- x[complete.cases(x), ]
  a <- psych::alpha(x, warnings = FALSE)$total
  out(paste0("alpha_", w, "_n"), nrow(x))
  out(paste0("alpha_", w, "_raw"), a$raw_alpha)
  out(paste0("alpha_", w, "_std"), a$std.alpha)
}

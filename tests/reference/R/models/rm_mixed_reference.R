# Reference values for the repeated-measures and mixed-model statistics SPSS prints beside
# the multivariate tests (tests/analysis/test_rm_mixed.py): the Huynh-Feldt
# epsilon in both forms, the within-subjects polynomial contrasts, Box's M, Levene per wave,
# Satterthwaite df (lmerTest) and likelihood-ratio tests on ML refits (lme4).
#
#   cd tests/reference/R/models && Rscript rm_mixed_reference.R
#
# Reads our own synthetic data (trial.csv, rm_2x3.csv: make_data.py) and writes
# rm_mixed_reference.json. Run here with R 4.2.2, car 3.1-1, lme4 1.1-31 and lmerTest from
# Debian (versions recorded in the output). heplots and biotools are not installed, so
# Box's M is computed below from its formula (Box 1949; the F approximation as SPSS GLM
# prints it), independently of the Python code.
suppressMessages({
  library(car)
  library(jsonlite)
  library(lme4)
  library(lmerTest)
})
options(contrasts = c("contr.sum", "contr.poly"))  # Type III needs sum-to-zero coding
out <- list(
  versions = list(R = R.version.string, car = as.character(packageVersion("car")),
                  lme4 = as.character(packageVersion("lme4")),
                  lmerTest = as.character(packageVersion("lmerTest")))
)

# Box's M with Box's (1949) F approximation (SPSS: M, F, df1, df2, Sig.).
box_m <- function(Y, g) {
  g <- factor(g)
  p <- ncol(Y); k <- nlevels(g); N <- nrow(Y)
  n <- as.vector(table(g))
  covs <- lapply(levels(g), function(l) cov(Y[g == l, , drop = FALSE]))
  pooled <- Reduce(`+`, Map(function(S, ni) (ni - 1) * S, covs, n)) / (N - k)
  M <- (N - k) * log(det(pooled)) - sum((n - 1) * sapply(covs, function(S) log(det(S))))
  c1 <- (sum(1 / (n - 1)) - 1 / (N - k)) * (2 * p^2 + 3 * p - 1) / (6 * (p + 1) * (k - 1))
  c2 <- (sum(1 / (n - 1)^2) - 1 / (N - k)^2) * (p - 1) * (p + 2) / (6 * (k - 1))
  df1 <- (k - 1) * p * (p + 1) / 2
  df2 <- (df1 + 2) / abs(c2 - c1^2)
  if (c2 > c1^2) {
    F <- M / (df1 / (1 - c1 - df1 / df2))
  } else {
    b <- df2 / (1 - c1 + 2 / df2)
    F <- df2 * M / (df1 * (b - M))
  }
  list(m = M, f = F, df1 = df1, df2 = df2, p_val = pf(F, df1, df2, lower.tail = FALSE),
       chi2 = M * (1 - c1))
}

# The SPSS-only statistics of a one-between x one-within design (columns `waves`, factor g).
rm_extra <- function(d, waves, g) {
  Y <- as.matrix(d[, waves])
  d$g <- factor(d[[g]])
  k <- length(waves)
  av <- Anova(lm(Y ~ g, data = d), idata = data.frame(w = factor(seq_len(k))),
              idesign = ~ w, type = 3)
  s <- summary(av, multivariate = FALSE)
  u <- unclass(s$univariate.tests)
  adj <- unclass(s$pval.adjustments)
  n <- nrow(d); v <- n - nlevels(d$g); p <- k - 1
  gg <- adj["w", "GG eps"]
  # Huynh & Feldt (1976), what SPSS prints: N subjects in the numerator; car's "HF eps" is
  # Lecoutre's (1991) correction, N replaced by v + 1 (car:::summary.Anova.mlm's HF()).
  hf1976 <- (n * p * gg - 2) / (p * (v - p * gg))
  hf_p <- function(term, eps) {
    e <- min(1, eps)
    pf(u[term, "F value"], e * u[term, "num Df"], e * u[term, "den Df"], lower.tail = FALSE)
  }
  res <- list(n = n, gg_epsilon = gg, hf_epsilon_lecoutre = adj["w", "HF eps"],
              hf_epsilon_1976 = hf1976,
              hf1976_p_val = list(time = hf_p("w", hf1976), time_x_arm = hf_p("g:w", hf1976)),
              hf_lecoutre_p_val = list(time = adj["w", "Pr(>F[HF])"],
                                       time_x_arm = adj["g:w", "Pr(>F[HF])"]))
  # Tests of Within-Subjects Contrasts: the Type III ANOVA of each orthonormal polynomial
  # contrast score (contr.poly, equally spaced, as SPSS's default POLYNOMIAL):
  #   car::Anova(lm(Y %*% contr.poly(k)[, j] ~ g), type = 3)
  cp <- contr.poly(k)
  res$contrasts <- lapply(seq_len(p), function(j) {
    d$score <- drop(Y %*% cp[, j])
    a <- Anova(lm(score ~ g, data = d), type = 3)
    list(time_ss = a["(Intercept)", "Sum Sq"], time_f = a["(Intercept)", "F value"],
         time_p_val = a["(Intercept)", "Pr(>F)"],
         inter_ss = a["g", "Sum Sq"], inter_f = a["g", "F value"],
         inter_p_val = a["g", "Pr(>F)"],
         error_ss = a["Residuals", "Sum Sq"], error_df = a["Residuals", "Df"])
  })
  res$box_m <- box_m(Y, d$g)
  # Levene's test of equality of error variances per wave, mean-centred (SPSS):
  #   car::leveneTest(y ~ g, center = mean)
  res$levene <- lapply(waves, function(w) {
    lt <- leveneTest(d[[w]] ~ d$g, center = mean)
    list(wave = w, f = lt[1, "F value"], df1 = lt[1, "Df"], df2 = lt[2, "Df"],
         p_val = lt[1, "Pr(>F)"])
  })
  res
}

# Fisher's (1936) iris measurements (R's datasets), written out for the Python test of
# Box's M against the value biotools::boxM documents (Chi-Sq (approx.) = 140.94, df = 20).
write.csv(iris, "iris.csv", row.names = FALSE)
out$iris_box_m <- box_m(as.matrix(iris[, 1:4]), iris$Species)

trial <- read.csv("trial.csv")
trial$completer <- trial$completer == "True"
trial$started <- trial$started == "True"
wide <- subset(trial, completer & !is.na(wai_w2) & !is.na(wai_w5) & !is.na(wai_w9))
out$alliance <- rm_extra(wide, c("wai_w2", "wai_w5", "wai_w9"), "arm")
rm <- read.csv("rm_2x3.csv")
out$rm_2x3 <- rm_extra(rm, c("t1", "t2", "t3"), "group")

# ---- the alliance mixed model: lmerTest (Satterthwaite) and lme4 LR tests ------------------
st <- subset(trial, started)
long <- reshape(st[, c("participant_id", "arm", "wai_w2", "wai_w5", "wai_w9")],
                direction = "long", varying = c("wai_w2", "wai_w5", "wai_w9"), v.names = "wai",
                timevar = "week", times = c(2, 5, 9), idvar = "participant_id")
long <- long[!is.na(long$wai), ]
long$week5 <- as.numeric(long$week == 5)
long$week9 <- as.numeric(long$week == 9)
lmm <- lmerTest::lmer(wai ~ week5 + week9 + arm + week5:arm + week9:arm + (1 | participant_id),
                      data = long, REML = TRUE)
# summary(lmm, ddf = "Satterthwaite")$coefficients: Estimate, Std. Error, df, t value, Pr(>|t|)
co <- summary(lmm, ddf = "Satterthwaite")$coefficients
# lmerTest::contestMD(lmm, L, ddf = "Satterthwaite"): F, NumDF, DenDF, Pr(>F)
md <- function(L) {
  r <- contestMD(lmm, L, ddf = "Satterthwaite")
  list(f = r[["F value"]], df1 = r[["NumDF"]], df2 = r[["DenDF"]], p_val = r[["Pr(>F)"]])
}
# lme4's anova(m0, m1) refits both with ML (refit = TRUE) and compares them.
lr <- function(f0, f1) {
  m0 <- lme4::lmer(f0, data = long, REML = TRUE)
  m1 <- lme4::lmer(f1, data = long, REML = TRUE)
  a <- anova(m0, m1)
  list(loglik_m0 = a$logLik[1], loglik_m1 = a$logLik[2], aic_m0 = a$AIC[1], aic_m1 = a$AIC[2],
       chi2 = a$Chisq[2], dof = a$Df[2], p_val = a[["Pr(>Chisq)"]][2])
}
full <- wai ~ week5 + week9 + arm + week5:arm + week9:arm + (1 | participant_id)
additive <- wai ~ week5 + week9 + arm + (1 | participant_id)
out$mixed <- list(
  df = unname(co[, "df"]), t = unname(co[, "t value"]), p_val = unname(co[, "Pr(>|t|)"]),
  time = md(rbind(c(0, 1, 0, 0, 0.5, 0), c(0, 0, 1, 0, 0, 0.5))),
  time_x_arm = md(rbind(c(0, 0, 0, 0, 1, 0), c(0, 0, 0, 0, 0, 1))),
  lr_time_x_arm = lr(additive, full),
  lr_time = lr(wai ~ arm + (1 | participant_id), additive),
  lr_arm = lr(wai ~ week5 + week9 + (1 | participant_id), additive)
)

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "rm_mixed_reference.json")

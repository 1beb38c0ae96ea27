# Reference values for the analysis-model tests (tests/analysis/).
#
#   cd tests/reference/R/models && Rscript reference.R
#
# Reads our own synthetic data (trial.csv, rm_2x3.csv: make_data.py), carData's
# OBrienKaiser (GPL: read from the installed R package, never written out) and
# palmerpenguins (CC0: written to penguins.csv for the Python tests), and writes
# reference.json with full-precision numbers. Run here with R 4.2.2, car 3.1-1, lme4,
# sandwich, palmerpenguins from Debian; the versions used are recorded in the output.
suppressMessages({
  library(car)
  library(carData)
  library(jsonlite)
  library(lme4)
  library(sandwich)
  library(palmerpenguins)
})
options(contrasts = c("contr.sum", "contr.poly"))  # Type III needs sum-to-zero coding
out <- list(
  versions = list(R = R.version.string, car = as.character(packageVersion("car")),
                  lme4 = as.character(packageVersion("lme4")),
                  sandwich = as.character(packageVersion("sandwich")))
)

# ---- multivariate tests of a car::Anova.mlm object, with car's own formulas --------------
mv_table <- function(av) {
  res <- list()
  for (term in av$terms) {
    H <- av$SSP[[term]]
    E <- av$SSPE[[term]]
    q <- av$df[[term]]
    eig <- Re(eigen(qr.coef(qr(E), H), symmetric = FALSE)$values)
    one <- list()
    for (stat in c("Pillai", "Wilks", "HL", "Roy")) {
      v <- get(stat, envir = asNamespace("car"))(eig, q, av$error.df)
      one[[stat]] <- list(value = v[1], f = v[2], df1 = v[3], df2 = v[4],
                          p_val = pf(v[2], v[3], v[4], lower.tail = FALSE))
    }
    res[[term]] <- one
  }
  res
}
uni_table <- function(av) {
  s <- summary(av, multivariate = FALSE)
  u <- unclass(s$univariate.tests)
  uni <- list()
  for (term in rownames(u)) {
    uni[[term]] <- list(ss = u[term, "Sum Sq"], df1 = u[term, "num Df"],
                        ss_error = u[term, "Error SS"], df2 = u[term, "den Df"],
                        f = u[term, "F value"], p_val = u[term, "Pr(>F)"])
  }
  adj <- unclass(s$pval.adjustments)
  for (term in rownames(adj)) {
    uni[[term]]$gg_epsilon <- adj[term, "GG eps"]
    uni[[term]]$gg_p_val <- adj[term, "Pr(>F[GG])"]
    uni[[term]]$hf_epsilon <- adj[term, "HF eps"]
    uni[[term]]$hf_p_val <- adj[term, "Pr(>F[HF])"]
  }
  sph <- unclass(s$sphericity.tests)
  for (term in rownames(sph)) {
    uni[[term]]$mauchly_w <- sph[term, "Test statistic"]
    uni[[term]]$mauchly_p_val <- sph[term, "p-value"]
  }
  uni
}

# ---- O'Brien & Kaiser (1985): car::Anova Type III and Type II ------------------------------
phase <- factor(rep(c("pretest", "posttest", "followup"), c(5, 5, 5)),
                levels = c("pretest", "posttest", "followup"))
hour <- ordered(rep(1:5, 3))
idata <- data.frame(phase, hour)
mod.ok <- lm(cbind(pre.1, pre.2, pre.3, pre.4, pre.5, post.1, post.2, post.3, post.4, post.5,
                   fup.1, fup.2, fup.3, fup.4, fup.5) ~ treatment * gender, data = OBrienKaiser)
for (type in c(3, 2)) {
  av <- Anova(mod.ok, idata = idata, idesign = ~ phase * hour, type = type)
  out[[paste0("obrien_kaiser_type", type)]] <- list(multivariate = mv_table(av),
                                                     univariate = uni_table(av))
}

# ---- our 2 x 3 unbalanced design (30 + 22): car::Anova Type III ----------------------------
rm <- read.csv("rm_2x3.csv")
rm$group <- factor(rm$group)
time <- factor(c("t1", "t2", "t3"))
mod.rm <- lm(cbind(t1, t2, t3) ~ group, data = rm)
av.rm <- Anova(mod.rm, idata = data.frame(time), idesign = ~ time, type = 3)
out$rm_2x3 <- list(multivariate = mv_table(av.rm), univariate = uni_table(av.rm),
                   cell_means = aggregate(cbind(t1, t2, t3) ~ group, rm, mean))

# ---- the trial-like frame ------------------------------------------------------------------
trial <- read.csv("trial.csv")
trial$completer <- trial$completer == "True"
trial$started <- trial$started == "True"

# Alliance development: completers with all three WAI totals, car::Anova Type III.
wide <- subset(trial, completer & !is.na(wai_w2) & !is.na(wai_w5) & !is.na(wai_w9))
wide$armf <- factor(wide$arm)
week <- factor(c("w2", "w5", "w9"))
mod.w <- lm(cbind(wai_w2, wai_w5, wai_w9) ~ armf, data = wide)
av.w <- Anova(mod.w, idata = data.frame(week), idesign = ~ week, type = 3)
out$alliance <- list(n = nrow(wide), multivariate = mv_table(av.w), univariate = uni_table(av.w))

# Linear mixed model on all available observations of starters: lme4 REML.
st <- subset(trial, started)
long <- reshape(st[, c("participant_id", "arm", "wai_w2", "wai_w5", "wai_w9")],
                direction = "long", varying = c("wai_w2", "wai_w5", "wai_w9"), v.names = "wai",
                timevar = "week", times = c(2, 5, 9), idvar = "participant_id")
long <- long[!is.na(long$wai), ]
long$week5 <- as.numeric(long$week == 5)
long$week9 <- as.numeric(long$week == 9)
lmm <- lmer(wai ~ week5 + week9 + arm + week5:arm + week9:arm + (1 | participant_id),
            data = long, REML = TRUE)
vc <- as.data.frame(VarCorr(lmm))
out$mixed <- list(
  n_obs = nrow(long), n_groups = length(unique(long$participant_id)),
  b = unname(fixef(lmm)), se = unname(sqrt(diag(as.matrix(vcov(lmm))))),
  group_var = vc$vcov[vc$grp == "participant_id"], residual_var = vc$vcov[vc$grp == "Residual"],
  loglik_reml = as.numeric(logLik(lmm, REML = TRUE)),
  # Wald chi-square tests: time averaged over the two arms (week_j + week_j:arm / 2) and
  # week x arm, by car::linearHypothesis on the lmer fit.
  time_chi2 = linearHypothesis(lmm, rbind(c(0, 1, 0, 0, 0.5, 0), c(0, 0, 1, 0, 0, 0.5)))$Chisq[2],
  time_x_arm_chi2 = linearHypothesis(lmm, rbind(c(0, 0, 0, 0, 1, 0), c(0, 0, 0, 0, 0, 1)))$Chisq[2]
)

# Hierarchical regressions (SPSS listwise over all steps; pairwise F change).
steps_summary <- function(models, data, y) {
  res <- list()
  prev <- NULL
  for (k in seq_along(models)) {
    m <- models[[k]]
    s <- summary(m)
    X <- model.matrix(m)
    beta <- coef(m) * apply(X, 2, sd) / sd(data[[y]])
    ct <- coef(s)
    ci <- confint(m)
    step <- list(r2 = s$r.squared, adj_r2 = s$adj.r.squared, f = unname(s$fstatistic[1]),
                 df1 = unname(s$fstatistic[2]), df2 = unname(s$fstatistic[3]),
                 p_val = pf(s$fstatistic[1], s$fstatistic[2], s$fstatistic[3],
                            lower.tail = FALSE),
                 b = unname(ct[, 1]), se = unname(ct[, 2]), t = unname(ct[, 3]),
                 p = unname(ct[, 4]), ci_low = unname(ci[, 1]), ci_high = unname(ci[, 2]),
                 beta = unname(beta[-1]))
    if (!is.null(prev)) {
      a <- anova(prev, m)  # two models only: the pairwise F change
      step$r2_change <- s$r.squared - summary(prev)$r.squared
      step$f_change <- a$F[2]
      step$f_change_df1 <- a$Df[2]
      step$f_change_p_val <- a[["Pr(>F)"]][2]
    }
    res[[k]] <- step
    prev <- m
  }
  res
}
probe <- function(m, data, x_arm = "arm", w = "wai_w2", alpha = 0.05) {
  b <- coef(m)
  V <- vcov(m)
  dfr <- df.residual(m)
  lc <- function(weights) {
    est <- sum(weights * b)
    se <- sqrt(drop(t(weights) %*% V %*% weights))
    tt <- est / se
    list(b = est, se = se, t = tt, p_val = 2 * pt(-abs(tt), dfr))
  }
  # coefficient order: (Intercept), baseline, arm, wai_w2, wai_w2:arm
  slopes <- list(lc(c(0, 0, 0, 1, 0)), lc(c(0, 0, 0, 1, 1)))
  mw <- mean(data[[w]])
  sw <- sd(data[[w]])
  spots <- lapply(c(mw - sw, mw, mw + sw), function(v) lc(c(0, 0, 1, 0, v)))
  tc <- qt(1 - alpha / 2, dfr)
  qa <- b[5]^2 - tc^2 * V[5, 5]
  qb <- 2 * (b[3] * b[5] - tc^2 * V[3, 5])
  qc <- b[3]^2 - tc^2 * V[3, 3]
  disc <- qb^2 - 4 * qa * qc
  roots <- if (disc >= 0) sort(c((-qb - sqrt(disc)) / (2 * qa), (-qb + sqrt(disc)) / (2 * qa)))
           else c(NA, NA)
  list(simple_slopes = slopes, arm_difference_at = spots, jn = unname(roots),
       moderator_mean = mw, moderator_sd = sw)
}
for (outcome in c("hads", "mhc")) {
  pre <- paste0(outcome, "_pre")
  post <- paste0(outcome, "_post")
  d <- subset(trial, completer & !is.na(trial[[pre]]) & !is.na(trial[[post]]) & !is.na(wai_w2))
  d$baseline <- d[[pre]]
  d$post <- d[[post]]
  m1 <- lm(post ~ baseline + arm, data = d)
  m2 <- lm(post ~ baseline + arm + wai_w2, data = d)
  m3 <- lm(post ~ baseline + arm + wai_w2 + wai_w2:arm, data = d)
  res <- list(n = nrow(d), steps = steps_summary(list(m1, m2, m3), d, "post"))
  res <- c(res, probe(m3, d))
  res$hc3_se <- unname(sqrt(diag(vcovHC(m3, type = "HC3"))))
  res$vif <- unname(suppressMessages(vif(m3)))
  res$max_cooks_d <- max(cooks.distance(m3))
  sw <- shapiro.test(residuals(m3))
  res$shapiro_w <- unname(sw$statistic)
  res$shapiro_p_val <- sw$p.value
  out[[paste0("outcome_", outcome)]] <- res
}

# Dropout logistic regression: starters with wai_w2 and dropped_out.
dl <- subset(trial, started & !is.na(wai_w2) & !is.na(dropped_out))
logit_steps <- function(models, n) {
  null_dev <- models[[1]]$null.deviance
  ll0 <- -null_dev / 2
  lapply(models, function(m) {
    ct <- coef(summary(m))
    ci <- confint.default(m)  # Wald intervals, as SPSS
    ll <- as.numeric(logLik(m))
    cs <- 1 - exp(2 / n * (ll0 - ll))
    list(b = unname(ct[, 1]), se = unname(ct[, 2]), wald = unname(ct[, 3]^2),
         p_val = unname(ct[, 4]), or_low = unname(exp(ci[, 1])), or_high = unname(exp(ci[, 2])),
         minus2ll = -2 * ll, model_chi2 = null_dev - m$deviance,
         model_dof = m$df.null - m$df.residual, cox_snell = cs,
         nagelkerke = cs / (1 - exp(2 / n * ll0)))
  })
}
g1 <- glm(dropped_out ~ wai_w2 + arm, family = binomial, data = dl)
g2 <- glm(dropped_out ~ wai_w2 + arm + wai_w2:arm, family = binomial, data = dl)
out$dropout <- list(n = nrow(dl), steps = logit_steps(list(g1, g2), nrow(dl)))

# ---- penguins (CC0): written out for the Python tests, and its hierarchy ------------------
pen <- na.omit(as.data.frame(penguins)[, c("body_mass_g", "flipper_length_mm", "bill_length_mm",
                                            "sex")])
pen$male <- as.numeric(pen$sex == "male")
pen <- pen[, c("body_mass_g", "flipper_length_mm", "bill_length_mm", "male")]
write.csv(pen, "penguins.csv", row.names = FALSE)
p1 <- lm(body_mass_g ~ flipper_length_mm + male, data = pen)
p2 <- lm(body_mass_g ~ flipper_length_mm + male + bill_length_mm, data = pen)
p3 <- lm(body_mass_g ~ flipper_length_mm + male + bill_length_mm + bill_length_mm:male,
         data = pen)
out$penguins <- list(n = nrow(pen), steps = steps_summary(list(p1, p2, p3), pen, "body_mass_g"))

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "reference.json")

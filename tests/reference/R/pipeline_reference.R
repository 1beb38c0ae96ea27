# Reference values for tests/analysis (the embct analysis pipeline:
# sample flow, dropout by arm, baseline table, early alliance of dropouts vs completers).
# Run from this folder:  Rscript pipeline_reference.R > pipeline_reference.csv
# R 4.2.2 + car 3.1-1 (Debian r-base-core, r-cran-car). Output: name,value (15 digits).
suppressPackageStartupMessages(library(car))
out <- function(name, value) cat(sprintf("%s,%.15g\n", name, value))
cat("name,value\n")

d <- read.csv("pipeline_small.csv", stringsAsFactors = TRUE)   # group a = reference, b = comparison

# Student and Welch t (a - b), as SPSS "equal variances assumed / not assumed"
st <- t.test(score ~ group, data = d, var.equal = TRUE)
out("student_t", st$statistic); out("student_dof", st$parameter); out("student_p_val", st$p.value)
out("student_ci_low", st$conf.int[1]); out("student_ci_high", st$conf.int[2])
we <- t.test(score ~ group, data = d, var.equal = FALSE)
out("welch_t", we$statistic); out("welch_dof", we$parameter); out("welch_p_val", we$p.value)
# Levene, mean-centred (SPSS's Levene)
lv <- leveneTest(score ~ group, data = d, center = mean)
out("levene_f", lv[1, "F value"]); out("levene_df1", lv[1, "Df"]); out("levene_df2", lv[2, "Df"])
out("levene_p_val", lv[1, "Pr(>F)"])
out("mean_a", mean(d$score[d$group == "a"])); out("sd_a", sd(d$score[d$group == "a"]))
out("mean_b", mean(d$score[d$group == "b"])); out("sd_b", sd(d$score[d$group == "b"]))

# Pearson chi-square without continuity correction, 2 x 2 and 2 x 3; Fisher's exact on 2 x 2
c2 <- chisq.test(table(d$group, d$event), correct = FALSE)
out("event_chi2", c2$statistic); out("event_dof", c2$parameter); out("event_p_val", c2$p.value)
out("event_fisher_p_val", fisher.test(table(d$group, d$event))$p.value)
c3 <- suppressWarnings(chisq.test(table(d$group, d$level), correct = FALSE))
out("level_chi2", c3$statistic); out("level_dof", c3$parameter); out("level_p_val", c3$p.value)

# The paper's sample flow (Bisseling et al. 2019, Figure 1): dropouts among starters,
# eMBCT 24 of 103, MBCT 11 of 95; the paper prints P = .03.
flow <- matrix(c(95 - 11, 11, 103 - 24, 24), nrow = 2, byrow = TRUE)
cf <- chisq.test(flow, correct = FALSE)
out("flow_chi2", cf$statistic); out("flow_dof", cf$parameter); out("flow_p_val", cf$p.value)
out("flow_fisher_p_val", fisher.test(flow)$p.value)

# The paper's Table 1 from its counts (MBCT n = 120, eMBCT n = 125), uncorrected
table1 <- list(female = c(101, 109), relationship = c(102, 100), children = c(79, 90),
               education_high = c(85, 81))
for (v in names(table1)) {
  k <- table1[[v]]
  m <- matrix(c(120 - k[1], k[1], 125 - k[2], k[2]), nrow = 2, byrow = TRUE)
  ct <- chisq.test(m, correct = FALSE)
  out(paste0("table1_", v, "_chi2"), ct$statistic)
  out(paste0("table1_", v, "_p_val"), ct$p.value)
}

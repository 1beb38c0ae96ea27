# Reference values for the reliable change behind embct.trial.flags.alliance_fall and
# hads_deterioration (Jacobson & Truax 1991):
#   RC = (x2 - x1) / S_diff,  S_diff = sqrt(2 * SE^2),  SE = SD * sqrt(1 - r)
# Run from the repository root:
#   Rscript tests/trial/reference/R/trial_reliable_change.R > tests/trial/reference/R/trial_reliable_change.csv
cases <- data.frame(
  case = c("hads_crawford", "hads_crawford_small", "hads_trial", "wai_trial_fall", "wai_trial_small"),
  before = c(20, 20, 15, 45, 45),
  after = c(27, 26, 22, 36, 40),
  sd = c(5.98, 5.98, 6.80, 9.5, 9.5),
  r = c(0.86, 0.86, 0.87, 0.93, 0.93)
)
se <- cases$sd * sqrt(1 - cases$r)
s_diff <- sqrt(2 * se^2)
cases$rc <- (cases$after - cases$before) / s_diff
cases$min_reliable_change <- 1.96 * s_diff
write.csv(format(cases, digits = 10), stdout(), row.names = FALSE, quote = FALSE)

# Reference values for the reliability section of `embct analyze` (tests/analysis).
# Run from this folder:  Rscript pipeline_reliability.R > pipeline_reliability.csv
# R 4.2.2 + psych 2.2.9 (Debian r-cran-psych). Listwise deletion per scale, as SPSS
# RELIABILITY on that scale's items.
suppressPackageStartupMessages(library(psych))
out <- function(name, value) cat(sprintf("%s,%.15g\n", name, value))
cat("name,value\n")
d <- read.csv("pipeline_hads_items.csv")
scales <- list(total = 1:14, anxiety = seq(1, 13, 2), depression = seq(2, 14, 2))
for (s in names(scales)) {
  items <- na.omit(d[, paste0("hads_pre_", scales[[s]])])
  a <- psych::alpha(items, check.keys = FALSE, warnings = FALSE)
  out(paste0(s, "_alpha"), a$total$raw_alpha)
  out(paste0(s, "_alpha_standardized"), a$total$std.alpha)
  out(paste0(s, "_n"), nrow(items))
}

# Reference values for embct.instruments.cronbach_alpha, made with R's psych package
# (Debian r-cran-psych). Run from the repository root:
#     Rscript tests/reference/R/alpha_psych.R
# It writes tests/reference/R/alpha_psych_output.json, which the tests read; R is not
# needed to run the tests. Inputs:
#   * psych::bfi (ships with psych; GPL data, loaded here, never copied into the repo),
#   * tests/reference/R/alpha_own_hads.csv (the project's own simulated data,
#     made by tests/instruments/alpha_own_data.py),
#   * /work/shared/data/hads-multilcirt/hads.csv (MultiLCIRT's real HADS data, GPL, read
#     where it lies; set HADS_CSV to point elsewhere).
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

one <- function(x, listwise) {
  x <- as.data.frame(x)
  if (listwise) x <- na.omit(x)
  a <- psych::alpha(x, check.keys = FALSE, warnings = FALSE)
  n <- nrow(x)
  k <- ncol(x)
  ci <- psych::alpha.ci(a$total$raw_alpha, n.obs = n, n.var = k)
  # embct counts, in pairwise mode, only respondents with at least one answer
  n_answered <- sum(rowSums(!is.na(x)) > 0)
  ci_answered <- psych::alpha.ci(a$total$raw_alpha, n.obs = n_answered, n.var = k)
  # one-factor minimum-residual loadings on the correlation matrix psych uses
  R <- cov2cor(cov(x, use = if (listwise) "everything" else "pairwise"))
  f <- psych::fa(R, nfactors = 1, fm = "minres", n.obs = n)
  l <- as.vector(f$loadings)
  if (sum(l) < 0) l <- -l
  list(
    call = sprintf("psych::alpha(%s, check.keys = FALSE)", if (listwise) "na.omit(x)" else "x"),
    n = n, k = k,
    raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
    average_r = a$total$average_r, mean = a$total$mean, sd = a$total$sd,
    feldt_low = ci$lower.ci, feldt_high = ci$upper.ci,
    n_answered = n_answered,
    feldt_low_answered = ci_answered$lower.ci, feldt_high_answered = ci_answered$upper.ci,
    omega_minres = sum(l)^2 / (sum(l)^2 + sum(1 - l^2)),
    loadings = l,
    items = colnames(x),
    item_n = a$item.stats$n, raw_r = a$item.stats$raw.r, std_r = a$item.stats$std.r,
    r_drop = a$item.stats$r.drop, item_mean = a$item.stats$mean, item_sd = a$item.stats$sd,
    alpha_drop = a$alpha.drop$raw_alpha, std_alpha_drop = a$alpha.drop$std.alpha
  )
}

both <- function(x) list(listwise = one(x, TRUE), pairwise = one(x, FALSE))

out <- list(
  meta = list(
    r = R.version.string, psych = as.character(packageVersion("psych")),
    note = "bfi items reversed as 7 - x before psych::alpha (keys A1 C4 C5 E1 E2 O2 O5)"
  )
)

data(bfi, package = "psych")
rev6 <- function(v) 7 - v
scales <- list(
  E_unreversed = list(items = paste0("E", 1:5), reversed = character(0)),
  E = list(items = paste0("E", 1:5), reversed = c("E1", "E2")),
  A = list(items = paste0("A", 1:5), reversed = "A1"),
  C = list(items = paste0("C", 1:5), reversed = c("C4", "C5")),
  N = list(items = paste0("N", 1:5), reversed = character(0)),
  O = list(items = paste0("O", 1:5), reversed = c("O2", "O5"))
)
out$bfi <- lapply(scales, function(s) {
  x <- bfi[, s$items]
  for (r in s$reversed) x[[r]] <- rev6(x[[r]])
  c(list(reversed = I(s$reversed)), both(x))
})
out$bfi_dims <- dim(bfi)
out$bfi_colsums <- as.list(colSums(bfi, na.rm = TRUE))
out$bfi_nmissing <- as.list(colSums(is.na(bfi)))

own <- read.csv("tests/reference/R/alpha_own_hads.csv")
own_items <- own[, paste0("hads_pre_", 1:14)]
out$own_hads <- list(
  total = both(own_items),
  anxiety = both(own_items[, paste0("hads_pre_", seq(1, 13, 2))]),
  depression = both(own_items[, paste0("hads_pre_", seq(2, 14, 2))])
)

hads_csv <- Sys.getenv("HADS_CSV", "/work/shared/data/hads-multilcirt/hads.csv")
hads <- read.csv(hads_csv)
out$multilcirt_hads <- list(
  file = hads_csv,
  total = both(hads),
  odd_items = both(hads[, seq(1, 13, 2)]),
  even_items = both(hads[, seq(2, 14, 2)])
)

writeLines(
  toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
  "tests/reference/R/alpha_psych_output.json"
)
cat("wrote tests/reference/R/alpha_psych_output.json\n")

# Reference for embct.simulate.compare._f_interval (test-inversion CI of a noncentral F,
# mapped to the F scale as lambda / df1). Run: Rscript tests/simulate/f_interval_reference.R
# Output (committed in f_interval_reference.txt) is read by test_cohort_population.py.
for (a in list(c(16.46, 2, 90), c(6.622, 1, 114), c(48.15, 3, 114), c(0.114, 1, 91))) {
  f <- a[1]; d1 <- a[2]; d2 <- a[3]
  inv <- function(p) {
    if (pf(f, d1, d2) <= p) return(0)
    uniroot(function(l) pf(f, d1, d2, ncp = l) - p, c(0, 1000), tol = 1e-10)$root
  }
  cat(sprintf("%g %g %g %.6f %.6f\n", f, d1, d2, inv(0.975) / d1, inv(0.025) / d1))
}

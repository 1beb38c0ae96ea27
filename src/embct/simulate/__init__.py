"""A synthetic cohort calibrated to Bisseling et al. (2019). Plain Python: no Django."""

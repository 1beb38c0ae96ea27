"""The trial's protocol rules: arms, schedule, dose and randomization. Plain Python: no Django."""

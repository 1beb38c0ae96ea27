"""The research workflow: screening, eligibility, consent, baseline, concealed randomization,
dropout, the CONSORT flow, pseudonymized export and the live report."""

"""The paper's analyses on a tidy trial table. Plain Python: no Django."""

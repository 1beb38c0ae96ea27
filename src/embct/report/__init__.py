"""Reports (HTML, JSON, CSV, figures) from analysis results. Plain Python: no Django."""

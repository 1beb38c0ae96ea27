"""The trial's questionnaires as data: WAI-SR, HADS and MHC-SF (items, keys, scoring,
reliability). Plain Python: no Django."""

"""Diagnostics: log files requested from a charger (GetDiagnostics), uploaded by the charger over
HTTP to an address chargeplane serves itself, stored, and downloadable by operators."""

"""The pieces of the OCPP load benchmark (`bench/ocpp_load.py`): processes, databases, workers, report."""

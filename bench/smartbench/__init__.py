"""The smart charging benchmark's parts (bench/smart_charging.py)."""

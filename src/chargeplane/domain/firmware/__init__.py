"""Firmware campaigns: one firmware (its location, when to retrieve it) sent to many charge points
chosen by a filter, in batches, with per-charger progress from FirmwareStatusNotification, retries,
cancel, and a summary."""

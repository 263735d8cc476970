"""Webhooks: operators subscribe HTTPS endpoints to event types; every event of theirs is written
as a delivery in the same commit as what caused it (nothing is lost between the two), then sent
signed (HMAC-SHA256 with the endpoint's secret, timestamped against replay), retried with backoff
for a day, and logged per attempt."""

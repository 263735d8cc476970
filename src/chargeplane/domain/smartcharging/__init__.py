"""Smart charging: a site's grid connection limit shared among its sessions (dynamic load balancing),
limits by time of day, and per-session energy or state-of-charge targets, sent to chargers as OCPP
charging profiles."""

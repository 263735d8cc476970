"""A fleet of simulated OCPP 1.6J charge points: for the demo, the tests and the benchmarks."""

"""Prices: tariffs (OCPI 2.2.1's model), which one applies, the pricing engine, charge detail records."""

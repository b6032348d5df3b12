//! Deterministic synthetic data with known BG/NBD + Gamma-Gamma truth.

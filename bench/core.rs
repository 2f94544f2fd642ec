//! Criterion benchmarks of the core (placeholder replaced by the benchmark suite).
fn main() {}

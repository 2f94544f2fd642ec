//! Exponential backoff with jitter and a cap.

use std::time::Duration;

use super::config::RetryPolicy;

/// The delays between consecutive failures of one forwarder.
pub(crate) struct Backoff {
    policy: RetryPolicy,
    failures: u32,
    rng: u64,
}

impl Backoff {
    pub(crate) fn new(policy: RetryPolicy) -> Backoff {
        let seed = crate::core::now_micros() as u64 ^ ((&policy as *const _ as u64) << 16);
        Backoff {
            policy,
            failures: 0,
            rng: seed | 1,
        }
    }

    /// After a success: the next failure waits the initial delay again.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    /// The delay before the next attempt after one more failure.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let p = &self.policy;
        let exp = p
            .multiplier
            .max(1.0)
            .powi(self.failures.min(64) as i32)
            .min(1e9);
        self.failures = self.failures.saturating_add(1);
        let full = (p.initial.as_secs_f64() * exp).min(p.max.as_secs_f64());
        let jitter = p.jitter.clamp(0.0, 1.0);
        let r = self.random();
        Duration::from_secs_f64(full * (1.0 - jitter * r))
    }

    /// Uniform in [0, 1) (xorshift64*).
    fn random(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let x = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_with_jitter() {
        let mut b = Backoff::new(RetryPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            multiplier: 2.0,
            jitter: 0.5,
        });
        let d: Vec<Duration> = (0..8).map(|_| b.next_delay()).collect();
        assert!(d[0] >= Duration::from_millis(50) && d[0] <= Duration::from_millis(100));
        assert!(d[2] >= Duration::from_millis(200) && d[2] <= Duration::from_millis(400));
        for x in &d[4..] {
            assert!(*x >= Duration::from_millis(500) && *x <= Duration::from_secs(1));
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}

//! One `max_per_second` limit shared by every connection: evenly spaced send slots.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Hands out start times at least `interval` apart, across all tasks.
///
/// No burst allowance: a limit of 20/s never starts more than one message per 50 ms, so
/// over any window the count stays within one of `rate × window`.
#[derive(Debug)]
pub(super) struct RateLimit {
    interval: Duration,
    /// The earliest start of the next message. A std mutex: it is never held across an
    /// await, only to reserve a slot.
    next: Mutex<Instant>,
}

impl RateLimit {
    /// `None` for 0, meaning no limit.
    pub(super) fn per_second(max_per_second: u32) -> Option<RateLimit> {
        (max_per_second > 0).then(|| RateLimit {
            interval: Duration::from_secs(1) / max_per_second,
            next: Mutex::new(Instant::now()),
        })
    }

    /// Waits for this caller's slot.
    pub(super) async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_no_limit() {
        assert!(RateLimit::per_second(0).is_none());
    }

    #[tokio::test]
    async fn slots_are_spaced_by_the_rate_across_tasks() {
        let limit = std::sync::Arc::new(RateLimit::per_second(50).unwrap());
        let start = Instant::now();
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let limit = limit.clone();
                tokio::spawn(async move {
                    limit.wait().await;
                    Instant::now()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap() - start);
        }
        times.sort();
        // Sleeps may wake late, never early: the i-th start is at least i slots in.
        for (i, time) in times.iter().enumerate() {
            assert!(*time >= Duration::from_millis(20) * i as u32, "{times:?}");
        }
    }
}

//! Every network wait runs under a deadline: the path's, capped by a stage budget.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    end: Instant,
}

impl Deadline {
    pub fn after(budget: Duration) -> Self {
        Self {
            end: Instant::now() + budget,
        }
    }

    pub fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// Run `fut` until it finishes, the path deadline passes, or `cap` elapses, whichever is first.
    /// `None` means time ran out.
    pub async fn run<F: Future>(&self, cap: Option<Duration>, fut: F) -> Option<F::Output> {
        let mut end = self.end;
        if let Some(cap) = cap {
            end = end.min(Instant::now() + cap);
        }
        tokio::time::timeout_at(end, fut).await.ok()
    }
}

//! What every stage's outcome shares: its result, timed by whoever runs it. A leaf: stage files
//! import it, and it imports none of them.

use crate::model::StageResult;

/// A stage's outcome: its result, and what the next stages need from it.
pub(crate) trait Outcome {
    fn result_mut(&mut self) -> &mut StageResult;
}

/// Run a stage and record in its result how long it took.
pub(crate) async fn timed<T: Outcome>(stage: impl Future<Output = T>) -> T {
    let started = std::time::Instant::now();
    let mut out = stage.await;
    out.result_mut().record_elapsed(started.elapsed());
    out
}

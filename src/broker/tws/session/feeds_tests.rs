use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::*;

/// A feed that counts its start and then runs until stopped.
fn endless(started: &Arc<AtomicUsize>) -> impl Future<Output = ()> + Send + 'static {
    let started = Arc::clone(started);
    async move {
        started.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<()>().await;
    }
}

#[tokio::test]
async fn subscriptions_beyond_the_lines_are_not_started_and_stop_gives_lines_back() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut feeds = Feeds::new(MarketDataLines::new(2));
    assert_eq!(feeds.spawn_subscription(endless(&started)), Ok(()));
    assert_eq!(feeds.spawn_subscription(endless(&started)), Ok(()));
    assert_eq!(
        feeds.spawn_subscription(endless(&started)),
        Err(LinesExhausted { limit: 2 })
    );
    assert_eq!(feeds.lines_in_use(), 2);
    // Only the two admitted feeds run (a third start would be counted).
    while started.load(Ordering::SeqCst) < 2 {
        tokio::task::yield_now().await;
    }
    feeds.stop().await;
    assert_eq!(feeds.lines_in_use(), 0);
    assert!(feeds.tasks.is_empty(), "every feed task was joined");
    assert_eq!(started.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_feed_that_ends_by_itself_gives_its_line_back() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut feeds = Feeds::new(MarketDataLines::new(1));
    // A symbol refused for good: its feed ends at once.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    assert_eq!(
        feeds.spawn_subscription(async move {
            let _ = done_tx.send(());
        }),
        Ok(())
    );
    let _ = done_rx.await;
    // Its task ends right after: the one line is free for another feed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while feeds.lines_in_use() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "line not handed back"
        );
        tokio::task::yield_now().await;
    }
    assert_eq!(feeds.spawn_subscription(endless(&started)), Ok(()));
    assert_eq!(feeds.lines_in_use(), 1);
    feeds.stop().await;
    assert_eq!(feeds.lines_in_use(), 0);
}

#[tokio::test]
async fn next_never_resolves_on_a_closed_channel() {
    let (tx, rx) = mpsc::channel::<u32>(1);
    let mut channel = Some(rx);
    tx.send(7).await.unwrap();
    drop(tx);
    assert_eq!(next(&mut channel).await, 7);
    // Polled once after the close: pending (not a spin), and the channel is dropped.
    {
        let mut pending = std::pin::pin!(next(&mut channel));
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(
            pending.as_mut().poll(&mut context).is_pending(),
            "a closed channel never yields"
        );
    }
    assert!(channel.is_none(), "and is dropped instead of polled again");
}

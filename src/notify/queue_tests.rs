use super::*;

fn queue(capacity: usize) -> (Queue, Arc<Counters>) {
    let counters = Arc::new(Counters::default());
    (Queue::new(capacity, Arc::clone(&counters)), counters)
}

fn dropped(counters: &Counters) -> u64 {
    counters.dropped.load(Ordering::Relaxed)
}

#[tokio::test]
async fn a_full_queue_drops_the_oldest_and_counts_it() {
    let (queue, counters) = queue(3);
    for body in ["1", "2", "3", "4", "5"] {
        queue.push(Arc::from(body));
    }
    // Capacity 3, five pushed: "1" and "2" dropped, the newest three kept in order.
    assert_eq!(dropped(&counters), 2);
    assert_eq!(queue.len(), 3);
    assert_eq!(counters.pending(), 3);
    for expected in ["3", "4", "5"] {
        assert_eq!(queue.pop().await.as_deref(), Some(expected));
    }
    assert!(queue.is_empty());
}

#[tokio::test]
async fn a_closed_queue_drains_then_ends_and_takes_no_more() {
    let (queue, counters) = queue(4);
    queue.push(Arc::from("a"));
    queue.close();
    queue.push(Arc::from("after close"));
    assert_eq!(queue.pop().await.as_deref(), Some("a"));
    assert_eq!(queue.pop().await, None);
    assert_eq!((dropped(&counters), counters.pending()), (0, 1));
}

#[tokio::test]
async fn a_waiting_pop_wakes_on_a_push_from_another_task() {
    let (queue, _) = queue(1);
    let queue = Arc::new(queue);
    let popper = tokio::spawn({
        let queue = Arc::clone(&queue);
        async move { queue.pop().await }
    });
    queue.push(Arc::from("x"));
    let popped = tokio::time::timeout(std::time::Duration::from_secs(5), popper)
        .await
        .expect("pop wakes")
        .unwrap();
    assert_eq!(popped.as_deref(), Some("x"));
}

#[test]
fn settling_counts_down_pending() {
    let (queue, counters) = queue(2);
    queue.push(Arc::from("a"));
    queue.push(Arc::from("b"));
    assert_eq!(counters.pending(), 2);
    counters.settle();
    assert_eq!(counters.pending(), 1);
    // A drop settles the dropped body at once.
    queue.push(Arc::from("c"));
    assert_eq!((counters.pending(), dropped(&counters)), (1, 1));
}

//! [`Queue`]: the bounded queue between the session and one URL's delivery
//! task. Full → the oldest body is dropped (the newest news matters most) and
//! counted; [`Counters`]: what was sent, given up and dropped, for metrics.
//!
//! Owns the drop-oldest rule and the counts. `push` never waits: it holds a
//! `std` mutex for an O(1) ring operation and never awaits. Must never block
//! the session or talk to the network.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// What every URL's delivery has done so far (summed over the URLs).
#[derive(Debug, Default)]
pub struct Counters {
    /// Bodies a receiver accepted (HTTP 2xx).
    pub(super) sent: AtomicU64,
    /// Bodies given up after the last retry.
    pub(super) failed: AtomicU64,
    /// Bodies dropped unsent because their queue was full.
    pub(super) dropped: AtomicU64,
    /// Bodies queued or being delivered.
    pending: AtomicU64,
    /// Woken whenever `pending` goes down (the exit's flush waits on it).
    settled: Notify,
}

impl Counters {
    /// A body is done with (sent, given up or dropped).
    pub(super) fn settle(&self) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
        self.settled.notify_waiters();
    }

    /// Bodies queued or being delivered.
    pub(super) fn pending(&self) -> u64 {
        self.pending.load(Ordering::Acquire)
    }

    /// Resolves when some body is done with (register before checking
    /// `pending`: see [`Counters::settled`]).
    pub(super) fn settled(&self) -> tokio::sync::futures::Notified<'_> {
        self.settled.notified()
    }
}

/// One URL's waiting bodies.
#[derive(Debug)]
pub struct Queue {
    ring: Mutex<Ring>,
    ready: Notify,
    capacity: usize,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Ring {
    bodies: VecDeque<Arc<str>>,
    closed: bool,
}

impl Queue {
    /// An empty queue of at most `capacity` (≥ 1) bodies.
    pub fn new(capacity: usize, counters: Arc<Counters>) -> Self {
        let capacity = capacity.max(1);
        Self {
            ring: Mutex::new(Ring {
                bodies: VecDeque::with_capacity(capacity),
                closed: false,
            }),
            ready: Notify::new(),
            capacity,
            counters,
        }
    }

    /// Queues `body`; when full, drops the oldest first (counted). Never waits.
    pub fn push(&self, body: Arc<str>) {
        let dropped = {
            let mut ring = self.lock();
            if ring.closed {
                return;
            }
            self.counters.pending.fetch_add(1, Ordering::AcqRel);
            let dropped = (ring.bodies.len() >= self.capacity)
                .then(|| ring.bodies.pop_front())
                .flatten();
            ring.bodies.push_back(body);
            dropped
        };
        if dropped.is_some() {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            self.counters.settle();
        }
        self.ready.notify_one();
    }

    /// The oldest body, waiting for one; `None` once closed and empty.
    pub async fn pop(&self) -> Option<Arc<str>> {
        loop {
            {
                let mut ring = self.lock();
                if let Some(body) = ring.bodies.pop_front() {
                    return Some(body);
                }
                if ring.closed {
                    return None;
                }
            }
            // `notify_one` keeps a permit when nobody waits: no push is missed.
            self.ready.notified().await;
        }
    }

    /// No more pushes; `pop` drains what is left, then returns `None`.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    /// Bodies waiting.
    pub fn len(&self) -> usize {
        self.lock().bodies.len()
    }

    /// Whether no body waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ring; a poisoned lock (a panic while holding it, which the O(1)
    /// operations above cannot cause) is taken over as is.
    fn lock(&self) -> MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;

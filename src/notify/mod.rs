//! Webhook notifications (`[notify]`): the session tells a [`Notifier`] what
//! happened (fills, broker rejects, trading-state changes, a long disconnect,
//! the daily summary); each configured URL gets the JSON body
//! ([`event::body`]) by HTTP POST from its own background task.
//!
//! The session's side is [`Notifier::send`]: it filters by the configured
//! events, serializes once and pushes onto each URL's bounded [`Queue`] —
//! never awaiting, never blocking (a full queue drops its oldest body and
//! counts it). Delivery, timeouts and retries happen in `delivery`, off the
//! trading loop; a dead receiver only fills its own queue.
//!
//! Owns what is sent and when. Must never block or slow the caller, never
//! decide anything about trading, and never show a URL unmasked.

pub mod delivery;
pub mod event;
pub mod queue;
mod watch;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use delivery::Policy;
pub use event::{Event, Header, PositionLine, SCHEMA};
use queue::{Counters, Queue};
use watch::LinkWatch;

use crate::domain::webhook::WebhookUrl;
use crate::settings::{NotifyEvent, NotifySettings};

/// What a [`Notifier`] sends, where, and how hard it tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// Each URL gets every event, from its own queue.
    pub urls: Vec<WebhookUrl>,
    /// The kinds of event sent; others are ignored.
    pub events: Vec<NotifyEvent>,
    /// Bodies that may wait per URL.
    pub queue: usize,
    /// How long the link must stay down before a `disconnect` is sent.
    pub disconnect_after: Duration,
    /// Timeout per attempt and retries.
    pub policy: Policy,
}

impl From<&NotifySettings> for NotifyConfig {
    fn from(settings: &NotifySettings) -> Self {
        Self {
            urls: settings.urls.clone(),
            events: settings.events.clone(),
            queue: settings.queue,
            disconnect_after: Duration::from_secs(settings.disconnect_after_secs),
            policy: Policy::default(),
        }
    }
}

/// The session's handle on notifications: cheap to clone (the clones share
/// queues and counters), and a no-op when notifications are off.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    inner: Option<Arc<Inner>>,
}

#[derive(Debug)]
struct Inner {
    header: Header,
    events: Vec<NotifyEvent>,
    queues: Vec<Arc<Queue>>,
    counters: Arc<Counters>,
    link: Mutex<LinkWatch>,
    disconnect_after: Duration,
}

impl Notifier {
    /// Notifications off: every call does nothing, every count is 0.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// Starts one delivery task per URL on the current tokio runtime.
    /// Without a usable HTTP client (TLS set-up failed), logs why and
    /// returns a disabled notifier: notifications never stop trading.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn start(config: NotifyConfig, header: Header) -> Self {
        let client = match client(config.policy.attempt_timeout) {
            Ok(client) => client,
            Err(error) => {
                tracing::error!(%error, "webhook notifications off: no HTTP client");
                return Self::disabled();
            }
        };
        let counters = Arc::new(Counters::default());
        let mut queues = Vec::new();
        for url in config.urls {
            let queue = Arc::new(Queue::new(config.queue, Arc::clone(&counters)));
            tracing::info!(url = %url, events = ?config.events.iter().map(|e| e.code()).collect::<Vec<_>>(), "webhook notifications on");
            let task = delivery::deliver(
                url,
                Arc::clone(&queue),
                client.clone(),
                config.policy,
                Arc::clone(&counters),
            );
            tokio::spawn(task);
            queues.push(queue);
        }
        let inner = Inner {
            header,
            events: config.events,
            queues,
            counters,
            link: Mutex::new(LinkWatch::default()),
            disconnect_after: config.disconnect_after,
        };
        Self {
            inner: Some(Arc::new(inner)),
        }
    }

    /// Whether `kind` is sent (false when off): lets a caller skip building
    /// an event nobody wants.
    pub fn wants(&self, kind: NotifyEvent) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.events.contains(&kind))
    }

    /// Queues `event`, stamped `time`, for every URL — unless its kind is not
    /// wanted. Never waits.
    pub fn send(&self, event: &Event, time: DateTime<Utc>) {
        let Some(inner) = self.inner.as_ref().filter(|_| self.wants(event.kind())) else {
            return;
        };
        inner.push(event, time);
    }

    /// The link to IB went down at `since` (session clock). A `disconnect`
    /// is sent if it is still down after `disconnect_after`; a second call
    /// while down changes nothing.
    pub fn link_down(&self, since: DateTime<Utc>) {
        let Some(inner) = self
            .inner
            .as_ref()
            .filter(|_| self.wants(NotifyEvent::Disconnect))
        else {
            return;
        };
        let Some(generation) = inner.lock_link().down(since) else {
            return;
        };
        let inner = Arc::clone(inner);
        tokio::spawn(async move {
            tokio::time::sleep(inner.disconnect_after).await;
            let announced = inner.lock_link().announce(generation);
            if let Some(since) = announced {
                let seconds = inner.disconnect_after.as_secs();
                let now = since + inner.disconnect_after;
                inner.push(&Event::disconnect(false, since, seconds), now);
            }
        });
    }

    /// The link to IB is back at `now`: sends `restored` when the outage was
    /// announced; forgets it otherwise.
    pub fn link_restored(&self, now: DateTime<Utc>) {
        let Some(inner) = &self.inner else {
            return;
        };
        if let Some(since) = inner.lock_link().restored() {
            let seconds = u64::try_from((now - since).num_seconds()).unwrap_or(0);
            inner.push(&Event::disconnect(true, since, seconds), now);
        }
    }

    /// Bodies a receiver accepted (HTTP 2xx), over all URLs.
    pub fn sent(&self) -> u64 {
        self.count(|c| c.sent.load(Ordering::Relaxed))
    }

    /// Bodies given up after their last retry, over all URLs.
    pub fn failed(&self) -> u64 {
        self.count(|c| c.failed.load(Ordering::Relaxed))
    }

    /// Bodies dropped unsent because their queue was full, over all URLs.
    pub fn dropped(&self) -> u64 {
        self.count(|c| c.dropped.load(Ordering::Relaxed))
    }

    fn count(&self, read: impl Fn(&Counters) -> u64) -> u64 {
        self.inner.as_ref().map_or(0, |i| read(&i.counters))
    }

    /// At exit: waits up to `within` for the queued bodies to be delivered
    /// (or given up), then stops the delivery tasks. Returns how many were
    /// left undelivered.
    pub async fn flush(&self, within: Duration) -> u64 {
        let Some(inner) = &self.inner else {
            return 0;
        };
        for queue in &inner.queues {
            queue.close();
        }
        let counters = &inner.counters;
        let drained = tokio::time::timeout(within, async {
            loop {
                let settled = counters.settled();
                tokio::pin!(settled);
                settled.as_mut().enable();
                if counters.pending() == 0 {
                    return;
                }
                settled.await;
            }
        });
        let _ = drained.await;
        let left = counters.pending();
        if left > 0 {
            tracing::warn!(
                left,
                "webhook notifications not delivered before exit: given up"
            );
        }
        left
    }
}

impl Inner {
    fn push(&self, event: &Event, time: DateTime<Utc>) {
        let body: Arc<str> = Arc::from(event::body(&self.header, event, time));
        for queue in &self.queues {
            queue.push(Arc::clone(&body));
        }
    }

    fn lock_link(&self) -> std::sync::MutexGuard<'_, LinkWatch> {
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The HTTP client every URL shares: no redirects (a body never goes
/// anywhere but the configured URL), a connect timeout within the attempt's.
fn client(attempt_timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("first-trading-app/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(attempt_timeout)
        .build()
}

#[cfg(test)]
#[path = "notifier_tests.rs"]
mod tests;

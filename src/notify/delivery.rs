//! One URL's delivery task: takes bodies off its [`Queue`] one at a time and
//! POSTs each, with a timeout per attempt and retries after 1 s, 2 s, 4 s
//! ([`Policy`]); gives up with one warning naming the masked URL.
//!
//! Owns the retry rule and the HTTP exchange. Must never show a URL unmasked
//! (the client's own error text included) and never touch the session: it
//! only reads its queue and bumps the [`Counters`].

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

use super::queue::{Counters, Queue};
use crate::domain::webhook::WebhookUrl;
use crate::redact::mask_urls;

/// How hard one body is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The longest one POST (connect, send, answer) may take.
    pub attempt_timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
    /// The wait before the first retry; doubled before each next one.
    pub first_backoff: Duration,
}

impl Default for Policy {
    /// 5 s per attempt, 3 retries after 1 s, 2 s and 4 s.
    fn default() -> Self {
        Self {
            attempt_timeout: Duration::from_secs(5),
            retries: 3,
            first_backoff: Duration::from_secs(1),
        }
    }
}

/// Delivers `queue`'s bodies to `url` until the queue is closed and drained.
pub(super) async fn deliver(
    url: WebhookUrl,
    queue: Arc<Queue>,
    client: reqwest::Client,
    policy: Policy,
    counters: Arc<Counters>,
) {
    while let Some(body) = queue.pop().await {
        match post_with_retries(&client, &url, &body, policy).await {
            Ok(()) => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
            }
            Err((attempts, error)) => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(url = %url, attempts, %error, "webhook notification not delivered: given up");
            }
        }
        counters.settle();
    }
}

/// Posts `body` until it is accepted, a retry would not help, or the retries
/// are spent; the error says how many attempts were made and the last failure.
async fn post_with_retries(
    client: &reqwest::Client,
    url: &WebhookUrl,
    body: &Arc<str>,
    policy: Policy,
) -> Result<(), (u32, String)> {
    let mut wait = policy.first_backoff;
    let mut attempt = 1;
    loop {
        let error = match post(client, url, body, policy.attempt_timeout).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        if !error.retry || attempt > policy.retries {
            return Err((attempt, error.text));
        }
        tracing::debug!(url = %url, attempt, error = %error.text, "webhook notification failed; retrying");
        tokio::time::sleep(wait).await;
        wait = wait.saturating_mul(2);
        attempt += 1;
    }
}

/// Why one attempt failed, and whether another may do better.
struct Failure {
    text: String,
    retry: bool,
}

/// One POST of `body` as JSON.
async fn post(
    client: &reqwest::Client,
    url: &WebhookUrl,
    body: &Arc<str>,
    timeout: Duration,
) -> Result<(), Failure> {
    let sent = client
        .post(url.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .timeout(timeout)
        .send()
        .await;
    let status = match sent {
        Ok(response) => response.status(),
        Err(error) => {
            return Err(Failure {
                text: describe(&error),
                retry: true,
            })
        }
    };
    if status.is_success() {
        return Ok(());
    }
    Err(Failure {
        text: format!("HTTP {status}"),
        retry: retriable(status),
    })
}

/// A server error, a timeout or throttling may pass; another client error
/// (a wrong URL or token) will not.
fn retriable(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

/// The client's error and its causes, URLs masked.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_string()
    } else {
        String::new()
    };
    let mut cause: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = cause {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&e.to_string());
        cause = e.source();
    }
    mask_urls(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_that_may_pass_are_retried() {
        for status in [500, 502, 503, 408, 429] {
            assert!(retriable(StatusCode::from_u16(status).unwrap()), "{status}");
        }
        for status in [400, 401, 403, 404, 410] {
            assert!(
                !retriable(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
    }

    #[test]
    fn the_default_is_5_second_attempts_and_3_retries_from_1_second() {
        let policy = Policy::default();
        assert_eq!(
            (policy.attempt_timeout, policy.retries, policy.first_backoff),
            (Duration::from_secs(5), 3, Duration::from_secs(1))
        );
    }
}

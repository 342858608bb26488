//! The notifier against real HTTP servers on loopback: retries, giving up,
//! dropping the oldest behind a receiver that never answers, the exit's
//! flush, and the event filter.

use std::sync::atomic::AtomicUsize;
use std::sync::Mutex as StdMutex;

use chrono::TimeZone;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::domain::types::TradingState;

/// Answers the n-th request with `statuses[n]` (the last one from then on)
/// and keeps each request's body.
struct Server {
    url: String,
    bodies: Arc<StdMutex<Vec<String>>>,
}

impl Server {
    async fn start(statuses: &'static [u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies = Arc::new(StdMutex::new(Vec::new()));
        let seen = Arc::clone(&bodies);
        let count = Arc::new(AtomicUsize::new(0));
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let n = count.fetch_add(1, Ordering::SeqCst);
                let status = statuses[n.min(statuses.len() - 1)];
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    let body = read_body(&mut stream).await;
                    seen.lock().unwrap().push(body);
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self { url, bodies }
    }

    fn requests(&self) -> usize {
        self.bodies.lock().unwrap().len()
    }
}

/// The body of one request (`Content-Length` bytes after the head).
async fn read_body(stream: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length {
                return body.to_string();
            }
        }
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return String::new();
        }
        data.extend_from_slice(&chunk[..n]);
    }
}

/// Accepts connections and never answers; counts them.
async fn dead() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/dead", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, accepted)
}

/// Fast retries: 200 ms per attempt, 2 retries after 10 ms and 20 ms.
fn fast() -> Policy {
    Policy {
        attempt_timeout: Duration::from_millis(200),
        retries: 2,
        first_backoff: Duration::from_millis(10),
    }
}

fn notifier(url: &str, events: &[NotifyEvent], queue: usize) -> Notifier {
    let config = NotifyConfig {
        urls: vec![WebhookUrl::parse(url).unwrap()],
        events: events.to_vec(),
        queue,
        disconnect_after: Duration::from_secs(30),
        policy: fast(),
    };
    let header = Header {
        mode: "paper".to_string(),
        account: "DU****567".to_string(),
    };
    Notifier::start(config, header)
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 20, 0, 0).unwrap()
}

fn event(seconds: u64) -> Event {
    Event::disconnect(true, at(), seconds)
}

/// Polls `check` every 5 ms for up to 5 s.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_server_error_is_retried_until_accepted() {
    let server = Server::start(&[503, 500, 200]).await;
    let notifier = notifier(&server.url, &NotifyEvent::ALL, 8);
    notifier.send(&event(1), at());
    assert_eq!(notifier.flush(Duration::from_secs(5)).await, 0);
    // Two failures, then the third attempt (the second retry) is accepted.
    assert_eq!(server.requests(), 3);
    assert_eq!((notifier.sent(), notifier.failed()), (1, 0));
}

#[tokio::test]
async fn retries_are_spent_and_a_client_error_is_not_retried() {
    let failing = Server::start(&[502]).await;
    let notifier_a = notifier(&failing.url, &NotifyEvent::ALL, 8);
    notifier_a.send(&event(1), at());
    notifier_a.flush(Duration::from_secs(5)).await;
    // The first attempt and 2 retries.
    assert_eq!(failing.requests(), 3);
    assert_eq!((notifier_a.sent(), notifier_a.failed()), (0, 1));

    let wrong_token = Server::start(&[403]).await;
    let notifier_b = notifier(&wrong_token.url, &NotifyEvent::ALL, 8);
    notifier_b.send(&event(1), at());
    notifier_b.flush(Duration::from_secs(5)).await;
    assert_eq!(wrong_token.requests(), 1);
    assert_eq!(notifier_b.failed(), 1);
}

#[tokio::test]
async fn behind_a_receiver_that_never_answers_the_oldest_waiting_is_dropped() {
    let (url, accepted) = dead().await;
    let notifier = notifier(&url, &NotifyEvent::ALL, 1);
    notifier.send(&event(1), at());
    // The first body is in flight (hanging), so the queue of 1 is empty.
    eventually("the first delivery attempt", || {
        accepted.load(Ordering::SeqCst) >= 1
    })
    .await;
    notifier.send(&event(2), at());
    notifier.send(&event(3), at());
    // Body 2 waited and was pushed out by body 3.
    assert_eq!(notifier.dropped(), 1);
    // The exit does not wait for ever: 1 in flight and 1 queued are left.
    assert_eq!(notifier.flush(Duration::from_millis(50)).await, 2);
}

#[tokio::test]
async fn only_the_configured_events_are_sent_and_off_sends_nothing() {
    let server = Server::start(&[200]).await;
    let notifier = notifier(&server.url, &[NotifyEvent::State], 8);
    assert!(notifier.wants(NotifyEvent::State) && !notifier.wants(NotifyEvent::Disconnect));
    notifier.send(&event(1), at());
    let change = crate::risk::StateChange {
        from: TradingState::Active,
        to: TradingState::Reducing,
        reason: crate::risk::ChangeReason::Reducing,
    };
    notifier.send(&Event::state(&change), at());
    assert_eq!(notifier.flush(Duration::from_secs(5)).await, 0);
    let bodies = server.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].contains("\"event\":\"state\""), "{}", bodies[0]);

    let off = Notifier::disabled();
    off.send(&Event::state(&change), at());
    assert!(!off.wants(NotifyEvent::State));
    assert_eq!((off.sent(), off.failed(), off.dropped()), (0, 0, 0));
    assert_eq!(off.flush(Duration::from_secs(1)).await, 0);
}

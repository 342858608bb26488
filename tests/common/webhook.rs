//! Webhook receivers on loopback for the notification tests: a real HTTP/1.1
//! server that records each POSTed JSON body and answers 200, and a dead one
//! that accepts connections and never answers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST /path HTTP/1.1`.
    pub request_line: String,
    /// Header lines, lower-cased names.
    pub headers: Vec<(String, String)>,
    /// The body, parsed as JSON.
    pub body: serde_json::Value,
}

/// A receiver that answers every request with 200.
pub struct Receiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Listens on 127.0.0.1:0 (the port is read back) and serves until the
    /// test's runtime ends.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                tokio::spawn(read_request(stream, log));
            }
        });
        Self { addr, received }
    }

    /// A URL on this receiver with a secret in its path and query.
    pub fn url(&self) -> String {
        format!("http://{}/hook/SECRET-TOKEN?key=SECRET-KEY", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The bodies received so far whose `event` is `event`.
    pub fn events(&self, event: &str) -> Vec<serde_json::Value> {
        self.received()
            .into_iter()
            .map(|r| r.body)
            .filter(|b| b["event"] == event)
            .collect()
    }
}

/// Reads one request (head, then `Content-Length` bytes of body), records
/// it, then answers 200 and closes (so a sender that saw the 200 finds the
/// request recorded).
async fn read_request(mut stream: TcpStream, log: Arc<Mutex<Vec<Received>>>) -> Option<()> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())?;
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&body[..length]).expect("the body is JSON");
    log.lock().unwrap().push(Received {
        request_line,
        headers,
        body,
    });
    stream
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .await
        .ok()
}

/// A receiver that accepts connections and never reads or answers: every
/// delivery to it waits for its timeout.
pub struct DeadReceiver {
    addr: SocketAddr,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl DeadReceiver {
    /// Listens on 127.0.0.1:0 and holds every connection open.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let held = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&held);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                keep.lock().unwrap().push(stream);
            }
        });
        Self { addr, held }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("http://{}/dead/SECRET-DEAD", self.addr)
    }

    /// Connections accepted so far (each a delivery attempt left hanging).
    pub fn accepted(&self) -> usize {
        self.held.lock().unwrap().len()
    }
}

//! One client connection: handshake, reader, writer.
//!
//! Owns a socket for its lifetime. The reader decodes frames and hands
//! requests to the state; the writer drains the bounded outgoing queue
//! (applying any fault delay). A malformed message is logged and skipped; a
//! bad length prefix (framing lost) or a socket error ends this session
//! only — never the server.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::codec::{self, CodecError};
use crate::request::Request;
use crate::server::Shared;
use crate::state::{ConnId, Out, OUT_CAPACITY};

/// How long a new connection may take to send its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves one accepted connection until it closes, is dropped or the server stops.
pub(crate) async fn run(shared: Arc<Shared>, conn: ConnId, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let peer = stream.peer_addr().ok();
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Out>(OUT_CAPACITY);
    let mut shutdown = shared.shutdown_rx();

    let writer_shared = Arc::clone(&shared);
    let writer = async move {
        while let Some(out) = rx.recv().await {
            match out {
                Out::Frame(frame) => {
                    let delay = writer_shared.delay_ms.load(Ordering::Relaxed);
                    if delay > 0 {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                    }
                    if let Err(e) = wr.write_all(&frame).await {
                        tracing::debug!(conn, "write failed: {e}");
                        break;
                    }
                    if let Some(tap) = writer_shared.tap.get() {
                        tap.frame_written(conn, &frame);
                    }
                }
                Out::Close => break,
            }
        }
        let _ = wr.shutdown().await;
    };

    let reader_shared = Arc::clone(&shared);
    let reader = async move {
        let versions =
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, codec::read_handshake(&mut rd)).await {
                Ok(Ok(v)) => v,
                Ok(Err(e)) => {
                    tracing::error!(conn, ?peer, "handshake rejected: {e}");
                    return;
                }
                Err(_) => {
                    tracing::error!(conn, ?peer, "handshake timed out");
                    return;
                }
            };
        let version = codec::SERVER_VERSION.min(versions.1);
        let (time, unanswered) = {
            let state = reader_shared.lock();
            let time = crate::clock::tws_time_string(&state.clock.now());
            (time, state.config.handshake_unanswered)
        };
        if unanswered {
            tracing::warn!(
                conn,
                ?peer,
                "handshake left unanswered (handshake_unanswered)"
            );
            // Keep the socket open, reading (and dropping) whatever comes, until the client leaves.
            let mut sink = [0u8; 256];
            while matches!(rd.read(&mut sink).await, Ok(n) if n > 0) {}
            return;
        }
        if tx
            .try_send(Out::Frame(codec::encode_handshake_reply(version, &time)))
            .is_err()
        {
            return;
        }
        tracing::debug!(conn, ?peer, ?versions, version, "handshake answered");
        let mut pending_tx = Some(tx);
        loop {
            let body = match read_request(&mut rd).await {
                Ok(b) => b,
                Err(CodecError::Io(e)) => {
                    tracing::debug!(conn, "connection closed: {e}");
                    return;
                }
                Err(e) => {
                    tracing::error!(conn, "malformed frame, closing connection: {e}");
                    return;
                }
            };
            if let Some(tap) = reader_shared.tap.get() {
                tap.body_read(conn, &body);
            }
            let req = match Request::decode(&body) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(conn, "malformed message skipped: {e}");
                    continue;
                }
            };
            match (req, pending_tx.take()) {
                (Request::StartApi(client_id), Some(tx)) => {
                    let accepted = reader_shared.lock().start_api(conn, client_id, tx);
                    if !accepted {
                        // The writer sends 326 and closes; keep the socket until then.
                        std::future::pending::<()>().await;
                    }
                }
                (other, Some(tx)) => {
                    tracing::warn!(conn, ?other, "request before startApi ignored");
                    pending_tx = Some(tx);
                }
                (other, None) => reader_shared.lock().handle(conn, other),
            }
        }
    };

    tokio::select! {
        _ = reader => {}
        _ = writer => {}
        _ = shutdown.changed() => {}
    }
    shared.lock().conns.remove(&conn);
    tracing::debug!(conn, ?peer, "session ended");
}

/// How long a frame's body may take to arrive once its length was read: a
/// client that announces a frame and stalls is disconnected (our choice; IB's
/// docs are silent).
pub const FRAME_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// One request frame: the length (no time limit: idle is fine), then the
/// body within [`FRAME_BODY_TIMEOUT`].
async fn read_request<R: tokio::io::AsyncRead + Unpin>(rd: &mut R) -> Result<Vec<u8>, CodecError> {
    let len = codec::read_frame_len(rd).await?;
    tokio::time::timeout(FRAME_BODY_TIMEOUT, codec::read_frame_body(rd, len))
        .await
        .map_err(|_| {
            CodecError::Io(format!(
                "a {len}-byte frame did not arrive within {FRAME_BODY_TIMEOUT:?}"
            ))
        })?
}

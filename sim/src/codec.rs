//! Framing of the TWS API wire protocol, server side.
//!
//! Owns: the handshake (`API\0` + a length-prefixed `v<min>..<max>` string,
//! answered by `<version>\0<time>\0`), the 4-byte big-endian length prefix of
//! every later frame, and the split of a frame body into message id and
//! payload (ids above 200 carry a protobuf payload of type `id - 200`).
//! Never panics on any input: every malformed frame is a [`CodecError`].

use tokio::io::{AsyncRead, AsyncReadExt};

/// Protobuf message ids are offset by this value on the wire.
pub const PROTOBUF_OFFSET: i32 = 200;
/// Smallest legal frame body after the handshake (the message id).
pub const MIN_FRAME_LEN: usize = 4;
/// Largest legal frame body on the wire (a 3-byte length, as TWS allows).
pub const MAX_FRAME_LEN: usize = 0x00FF_FFFF;
/// Largest frame the simulator accepts from a client. TWS's own limit is
/// [`MAX_FRAME_LEN`], but no API request comes near 1 MiB (a placeOrder is
/// a few hundred bytes), and a server that allocates 16 MiB per announced
/// frame can be exhausted by a handful of stalled connections. IB's docs
/// are silent on a server-side cap; this is our choice.
pub const MAX_CLIENT_FRAME_LEN: usize = 1024 * 1024;
/// The server version the simulator announces.
pub const SERVER_VERSION: i32 = 226;
/// Oldest client version range the simulator can serve (protobuf-only).
pub const MIN_CLIENT_VERSION: i32 = 213;

/// Why a frame or message was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodecError {
    /// The connection did not open with `API\0`.
    #[error("handshake did not start with API\\0")]
    BadPrefix,
    /// The handshake version string was not `v<min>..<max>`.
    #[error("malformed handshake version string {0:?}")]
    BadVersion(String),
    /// A length prefix outside the legal range.
    #[error("frame length {0} outside {MIN_FRAME_LEN}..={MAX_FRAME_LEN}")]
    BadLength(usize),
    /// A text (non-protobuf) message; ibapi 5.5 never sends them.
    #[error("unsupported text-encoded message id {0}")]
    TextMessage(i32),
    /// The payload did not decode as the message's protobuf type.
    #[error("message {id}: protobuf decode failed: {reason}")]
    Protobuf {
        /// Message type id (without the 200 offset).
        id: i32,
        /// prost's description.
        reason: String,
    },
    /// The peer closed or the socket failed.
    #[error("i/o: {0}")]
    Io(String),
}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        CodecError::Io(e.to_string())
    }
}

/// Checks a length prefix for a post-handshake frame.
///
/// # Errors
/// [`CodecError::BadLength`] when outside `4..=0xFFFFFF`.
pub fn check_len(len: usize) -> Result<usize, CodecError> {
    if (MIN_FRAME_LEN..=MAX_FRAME_LEN).contains(&len) {
        Ok(len)
    } else {
        Err(CodecError::BadLength(len))
    }
}

/// Reads the client's handshake and returns its `(min, max)` version range.
///
/// # Errors
/// Any [`CodecError`] for a wrong prefix, bad length or bad version string.
pub async fn read_handshake<R: AsyncRead + Unpin>(r: &mut R) -> Result<(i32, i32), CodecError> {
    let mut prefix = [0u8; 4];
    r.read_exact(&mut prefix).await?;
    if &prefix != b"API\0" {
        return Err(CodecError::BadPrefix);
    }
    let len = r.read_u32().await? as usize;
    if len == 0 || len > 1024 {
        return Err(CodecError::BadLength(len));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await?;
    parse_version_range(&String::from_utf8_lossy(&body))
}

/// Parses `v<min>..<max>` (or `v<n>`).
///
/// # Errors
/// [`CodecError::BadVersion`] for anything else.
pub fn parse_version_range(s: &str) -> Result<(i32, i32), CodecError> {
    let bad = || CodecError::BadVersion(s.chars().take(64).collect());
    let rest = s.trim_end_matches('\0').strip_prefix('v').ok_or_else(bad)?;
    let (min, max) = match rest.split_once("..") {
        Some((a, b)) => (a, b),
        None => (rest, rest),
    };
    let min: i32 = min.trim().parse().map_err(|_| bad())?;
    let max: i32 = max.trim().parse().map_err(|_| bad())?;
    if min > max {
        return Err(bad());
    }
    Ok((min, max))
}

/// Reads a post-handshake frame's length prefix (a client waits here while
/// idle, for as long as it likes).
///
/// # Errors
/// [`CodecError::BadLength`] for a length outside
/// `MIN_FRAME_LEN..=MAX_CLIENT_FRAME_LEN`, [`CodecError::Io`] on EOF.
pub async fn read_frame_len<R: AsyncRead + Unpin>(r: &mut R) -> Result<usize, CodecError> {
    let len = check_len(r.read_u32().await? as usize)?;
    if len > MAX_CLIENT_FRAME_LEN {
        return Err(CodecError::BadLength(len));
    }
    Ok(len)
}

/// Reads a frame body of `len` bytes. Memory grows with the bytes that
/// actually arrive, not with the length announced.
///
/// # Errors
/// [`CodecError::Io`] on EOF before `len` bytes.
pub async fn read_frame_body<R: AsyncRead + Unpin>(
    r: &mut R,
    len: usize,
) -> Result<Vec<u8>, CodecError> {
    let mut body = Vec::with_capacity(len.min(64 * 1024));
    let read = (&mut *r).take(len as u64).read_to_end(&mut body).await?;
    if read < len {
        return Err(CodecError::Io(format!(
            "connection closed {read} bytes into a {len}-byte frame"
        )));
    }
    Ok(body)
}

/// Splits a frame body into `(message type, protobuf payload)`.
///
/// # Errors
/// [`CodecError::BadLength`] for a body shorter than 4 bytes and
/// [`CodecError::TextMessage`] for a non-protobuf id.
pub fn split_message(body: &[u8]) -> Result<(i32, &[u8]), CodecError> {
    let Some((head, payload)) = body.split_first_chunk::<4>() else {
        return Err(CodecError::BadLength(body.len()));
    };
    let id = i32::from_be_bytes(*head);
    if id > PROTOBUF_OFFSET {
        Ok((id - PROTOBUF_OFFSET, payload))
    } else {
        Err(CodecError::TextMessage(id))
    }
}

/// Encodes one outgoing protobuf message as a complete frame
/// (`[len][id + 200][payload]`).
pub fn encode_message<M: prost::Message>(msg_type: i32, msg: &M) -> Vec<u8> {
    let payload_len = msg.encoded_len();
    let body_len = 4 + payload_len;
    let mut out = Vec::with_capacity(4 + body_len);
    out.extend_from_slice(&(body_len as u32).to_be_bytes());
    out.extend_from_slice(&(msg_type + PROTOBUF_OFFSET).to_be_bytes());
    // Encoding into a Vec cannot run out of capacity.
    let _ = msg.encode(&mut out);
    out
}

/// Encodes the handshake answer `<version>\0<time>\0` as a frame.
pub fn encode_handshake_reply(version: i32, time: &str) -> Vec<u8> {
    let body = format!("{version}\0{time}\0");
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(body.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn version_range_parses() {
        assert_eq!(parse_version_range("v213..226"), Ok((213, 226)));
        assert_eq!(parse_version_range("v200"), Ok((200, 200)));
        assert!(parse_version_range("x213..226").is_err());
        assert!(parse_version_range("v226..213").is_err());
    }

    #[test]
    fn lengths_outside_range_rejected() {
        assert_eq!(check_len(3), Err(CodecError::BadLength(3)));
        assert_eq!(check_len(4), Ok(4));
        assert_eq!(check_len(0x00FF_FFFF), Ok(0x00FF_FFFF));
        assert_eq!(
            check_len(0x0100_0000),
            Err(CodecError::BadLength(0x0100_0000))
        );
    }

    #[test]
    fn split_message_handles_proto_and_text() {
        let body = [0u8, 0, 1, 15, 8, 1]; // 271 = startApi + 200
        assert_eq!(split_message(&body), Ok((71, &[8u8, 1][..])));
        assert_eq!(
            split_message(&[0, 0, 0, 71]),
            Err(CodecError::TextMessage(71))
        );
        assert_eq!(split_message(&[1, 2]), Err(CodecError::BadLength(2)));
    }

    #[test]
    fn encoded_frame_has_length_and_offset_id() {
        let frame = encode_message(9, &crate::proto::NextValidId { order_id: Some(1) });
        assert_eq!(&frame[..4], &6u32.to_be_bytes());
        assert_eq!(&frame[4..8], &209i32.to_be_bytes());
        assert_eq!(&frame[8..], &[8, 1]);
        let hs = encode_handshake_reply(226, "20260105 09:30:00 EST");
        assert_eq!(&hs[4..], b"226\x0020260105 09:30:00 EST\x00");
    }

    proptest! {
        #[test]
        fn frame_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            rt.block_on(async {
                let mut cursor = std::io::Cursor::new(bytes.clone());
                let _ = read_handshake(&mut cursor).await;
                let mut cursor = std::io::Cursor::new(bytes);
                while let Ok(len) = read_frame_len(&mut cursor).await {
                    let Ok(body) = read_frame_body(&mut cursor, len).await else { break };
                    let _ = split_message(&body);
                }
            });
        }
    }
}

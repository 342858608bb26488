//! Opening the `ibapi` connection to TWS / IB Gateway, and turning the ways it
//! can fail into messages that tell the user what to do.

use std::time::Duration;

use ibapi::Client;

/// How long the TCP connect + TWS handshake may take before we give up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why the bot could not connect. Every variant's message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing accepted the TCP connection.
    #[error("TWS/IB Gateway not reachable at {address} — start TWS or IB Gateway with the API enabled (Global Configuration → API → Settings → Enable ActiveX and Socket Clients, port {port}), or use --sim")]
    Unreachable {
        /// `host:port` tried.
        address: String,
        /// Port tried.
        port: u16,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// TWS answered with an API version older than the `ibapi` client supports.
    #[error("TWS/IB Gateway at {address} is too old (API server version {actual}, need {required} or later): update TWS / IB Gateway to a current release")]
    TooOld {
        /// `host:port` tried.
        address: String,
        /// Version the client needs.
        required: i32,
        /// Version TWS offered.
        actual: i32,
    },
    /// Another session already uses this client id (TWS error 326).
    #[error("client id {client_id} is already in use at {address} (another program or bot instance is connected with it): set a different IBKR_CLIENT_ID or close the other session")]
    ClientIdInUse {
        /// `host:port` tried.
        address: String,
        /// The refused client id.
        client_id: i32,
    },
    /// TWS closed the socket during the handshake: usually the trusted-IP list.
    #[error("TWS/IB Gateway at {address} refused the API connection ({detail}): add this machine's address to Trusted IPs in Global Configuration → API → Settings, and make sure TWS is logged in")]
    Rejected {
        /// `host:port` tried.
        address: String,
        /// What the client reported.
        detail: String,
    },
    /// Connect + handshake did not finish in time.
    #[error("TWS/IB Gateway at {address} accepted the connection but did not complete the API handshake within {seconds} s: is TWS logged in and not showing a modal dialog?")]
    Timeout {
        /// `host:port` tried.
        address: String,
        /// The timeout.
        seconds: u64,
    },
    /// Anything else the client reported.
    #[error("could not connect to TWS/IB Gateway at {address}: {source}")]
    Other {
        /// `host:port` tried.
        address: String,
        /// The client's error.
        #[source]
        source: ibapi::Error,
    },
}

/// Connects the real `ibapi` async client to `host:port` as `client_id`,
/// with the client's automatic reconnect enabled (forever: the supervisor
/// decides when to give up, not the transport).
///
/// # Errors
/// [`ConnectError`] with a message naming the address and what to do.
pub async fn connect(host: &str, port: u16, client_id: i32) -> Result<Client, ConnectError> {
    let address = format!("{host}:{port}");
    let attempt = Client::builder()
        .address(address.clone())
        .client_id(client_id)
        .tcp_no_delay(true)
        .reconnect_forever()
        // One outbound budget for everything the bot sends, below IB's 50 msg/s.
        .rate_limiter(crate::broker::tws::pacing::shared_outbound_rate_limiter())
        .connect();
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Err(_) => Err(ConnectError::Timeout {
            address,
            seconds: CONNECT_TIMEOUT.as_secs(),
        }),
        Ok(Ok(client)) => Ok(client),
        Ok(Err(error)) => Err(classify(error, address, port, client_id)),
    }
}

fn classify(error: ibapi::Error, address: String, port: u16, client_id: i32) -> ConnectError {
    match error {
        ibapi::Error::Io(source) => ConnectError::Unreachable {
            address,
            port,
            source,
        },
        ibapi::Error::ServerVersion(required, actual, _) => ConnectError::TooOld {
            address,
            required,
            actual,
        },
        ibapi::Error::ClientIdInUse { client_id: id } => ConnectError::ClientIdInUse {
            address,
            client_id: if id == 0 { client_id } else { id },
        },
        ibapi::Error::ConnectionRejected(detail) => ConnectError::Rejected { address, detail },
        source => ConnectError::Other { address, source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nothing_listening_is_unreachable_with_advice() {
        // Bind then drop a listener to get a loopback port nobody listens on.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let Err(error) = connect("127.0.0.1", port, 1).await else {
            panic!("connected to a port nobody listens on");
        };
        assert!(
            matches!(error, ConnectError::Unreachable { .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
        assert!(message.contains("or use --sim"), "{message}");
    }

    #[test]
    fn old_server_version_tells_the_user_to_update() {
        let error = classify(
            ibapi::Error::ServerVersion(213, 176, "protobuf".into()),
            "127.0.0.1:7497".into(),
            7497,
            1,
        );
        assert!(error.to_string().contains("update TWS"), "{error}");
    }
}

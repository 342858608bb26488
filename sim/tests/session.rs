//! Connect, handshake, accounts, ids, time and contract details through the
//! real `ibapi` async client over loopback TCP.

mod common;

use std::time::Duration;

use ibapi::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::*;

#[tokio::test]
async fn handshake_accounts_ids_and_time() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 7).await;
    assert_eq!(client.server_version(), 226);
    assert_eq!(client.client_id(), 7);
    assert_eq!(client.next_order_id(), 1);
    assert_eq!(
        client.handshake_managed_accounts(),
        &["DU1234567".to_string()]
    );
    let connected = client.connection_time().expect("connection time parsed");
    // 2026-01-05 09:30:00 EST == 14:30 UTC
    assert_eq!(connected.unix_timestamp(), 1_767_623_400);

    let accounts = client.managed_accounts().await.unwrap();
    assert_eq!(accounts, vec!["DU1234567".to_string()]);
    let t = client.server_time().await.unwrap();
    assert!(
        (t.unix_timestamp() - 1_767_623_400).abs() < 5,
        "sim clock near 09:30 EST, got {t}"
    );
    assert_eq!(client.next_valid_order_id().await.unwrap(), 1);
    assert_eq!(sim.connection_count(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn contract_details_and_unknown_symbol() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let details = client
        .contract_details(&Contract::stock("AAPL").build())
        .await
        .unwrap();
    assert_eq!(details.len(), 1);
    let d = &details[0];
    assert_eq!(d.contract.symbol.to_string(), "AAPL");
    assert_eq!(d.contract.contract_id, 265_598);
    assert_eq!(d.contract.currency.to_string(), "USD");
    assert_eq!(d.contract.exchange.to_string(), "SMART");
    assert_eq!(d.long_name, "APPLE INC");
    assert_eq!(d.min_tick, 0.01);

    let err = client
        .contract_details(&Contract::stock("NOPE").build())
        .await
        .unwrap_err();
    match err {
        Error::Notice(n) => {
            assert_eq!(n.code, 200);
            assert!(
                n.request_id.unwrap_or(0) >= 1_500_000_000,
                "error carries the request id, got {:?}",
                n.request_id
            );
        }
        other => panic!("expected error 200, got {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn duplicate_client_id_is_refused_with_326() {
    let sim = start(quiet_config()).await;
    let _first = connect(&sim, 5).await;
    let addr = sim.local_addr().to_string();
    let second = Client::connect(&addr, 5).await;
    match second {
        Err(Error::ClientIdInUse { client_id }) => assert_eq!(client_id, 5),
        other => panic!("expected ClientIdInUse, got {:?}", other.map(|_| ())),
    }
    let third = connect(&sim, 6).await;
    assert_eq!(third.client_id(), 6);
    assert_eq!(sim.connection_count(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_frames_do_not_disturb_other_clients() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;

    // A raw socket that handshakes, then sends garbage.
    let mut raw = handshaken(&sim).await;
    // protobuf garbage in a well-framed placeOrder: logged and skipped
    raw.write_all(&[0, 0, 0, 7, 0, 0, 0, 203, 0xff, 0xff, 0xff])
        .await
        .unwrap();
    // a text-encoded message: logged and skipped
    raw.write_all(&[0, 0, 0, 4, 0, 0, 0, 49]).await.unwrap();
    // an illegal length: the connection is closed
    raw.write_all(&[0x7f, 0xff, 0xff, 0xff]).await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), raw.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert_eq!(n, 0, "server closed the malformed connection");

    // The well-behaved client is still served.
    let details = client
        .contract_details(&Contract::stock("SPY").build())
        .await
        .unwrap();
    assert_eq!(details[0].contract.contract_id, 756_733);
    // And new clients can still connect.
    let other = connect(&sim, 2).await;
    assert_eq!(
        other.managed_accounts().await.unwrap(),
        vec!["DU1234567".to_string()]
    );
    sim.shutdown().await;
}

/// A raw socket through the handshake: returns it ready for request frames.
async fn handshaken(sim: &tws_sim::SimHandle) -> tokio::net::TcpStream {
    let mut raw = tokio::net::TcpStream::connect(sim.local_addr())
        .await
        .unwrap();
    raw.write_all(b"API\0\0\0\0\x09v213..226").await.unwrap();
    let mut len = [0u8; 4];
    raw.read_exact(&mut len).await.unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
    raw.read_exact(&mut reply).await.unwrap();
    assert!(reply.starts_with(b"226\0"), "handshake reply {reply:?}");
    raw
}

/// Waits (bounded by `within`) for the server to close `raw`; true if it did.
async fn closed_within(raw: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 64];
    loop {
        match tokio::time::timeout(within, raw.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn an_oversized_or_stalled_frame_closes_the_connection() {
    let sim = start(quiet_config()).await;
    // A legal TWS length (16 MiB − 1) but far beyond any request: refused at
    // once, before a byte of it is allocated.
    let mut huge = handshaken(&sim).await;
    huge.write_all(&[0x00, 0xff, 0xff, 0xff]).await.unwrap();
    assert!(
        closed_within(&mut huge, Duration::from_secs(5)).await,
        "oversized frame"
    );

    // A frame announced at 100 bytes, of which 10 arrive: closed once the
    // body timeout has passed.
    let mut stalled = handshaken(&sim).await;
    stalled.write_all(&[0, 0, 0, 100]).await.unwrap();
    stalled.write_all(&[0u8; 10]).await.unwrap();
    let within = tws_sim::FRAME_BODY_TIMEOUT + Duration::from_secs(5);
    assert!(closed_within(&mut stalled, within).await, "stalled frame");

    // The simulator still serves a well-behaved client.
    let client = connect(&sim, 3).await;
    assert!(!client.managed_accounts().await.unwrap().is_empty());
}

#[tokio::test]
async fn wire_tap_reports_the_chosen_frames_read_then_written() {
    let sim = start(quiet_config()).await;
    let mut tap = sim
        .tap_wire(&[tws_sim::wire::id::CURRENT_TIME], &[49])
        .expect("first tap");
    assert!(sim.tap_wire(&[], &[]).is_none(), "one tap per simulator");
    let client = connect(&sim, 1).await;
    client.server_time().await.unwrap();
    let within = Duration::from_secs(5);
    let read = tokio::time::timeout(within, tap.recv())
        .await
        .unwrap()
        .unwrap();
    let written = tokio::time::timeout(within, tap.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (read.conn, read.direction, read.message_id),
        (written.conn, tws_sim::Direction::Read, 49)
    );
    assert_eq!(
        (written.direction, written.message_id),
        (tws_sim::Direction::Written, tws_sim::wire::id::CURRENT_TIME)
    );
    assert!(
        read.at <= written.at,
        "the answer is written after the request is read"
    );
    // Frames not asked for (the handshake, startApi, managed accounts, ids) are not reported.
    assert!(tap.try_recv().is_err());
    sim.shutdown().await;
}

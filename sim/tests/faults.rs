//! Fault injection through the real `ibapi` client (and a raw socket for
//! pacing): drops and reconnects, 1100/1101/1102, rejects, delays, error 100,
//! scripted scenarios, CSV replay and determinism.

mod common;

use std::time::{Duration, Instant};

use ibapi::orders::{order_builder, Action};
use ibapi::prelude::*;
use rust_decimal_macros::dec;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tws_sim::{SimConfig, Status};

use common::*;

#[tokio::test]
async fn dropped_connections_reconnect_and_keep_working() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    assert_eq!(sim.connection_count(), 1);
    sim.drop_connections();
    eventually("client noticed the drop", || !client.is_connected()).await;
    tokio::time::timeout(Duration::from_secs(10), client.wait_connected())
        .await
        .unwrap()
        .unwrap();
    let t = client.server_time().await.unwrap();
    assert!(t.unix_timestamp() >= 1_767_623_400);
    assert_eq!(
        sim.connection_count(),
        1,
        "the same client id is accepted again after the drop"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn connectivity_lost_then_restored_notices() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let mut notices = client.notice_stream().unwrap();
    sim.connectivity_lost_then_restored(true);
    sim.connectivity_lost_then_restored(false);
    let mut codes = Vec::new();
    while codes.len() < 4 {
        let n = tokio::time::timeout(Duration::from_secs(5), notices.next())
            .await
            .unwrap()
            .unwrap();
        if (1100..=1102).contains(&n.code) {
            codes.push(n.code);
        }
    }
    assert_eq!(codes, vec![1100, 1102, 1100, 1101]);
    sim.shutdown().await;
}

#[tokio::test]
async fn nth_order_is_rejected_with_the_given_code() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    sim.reject_nth_order(2, 201, "Order rejected - reason: simulated margin");
    let c = Contract::stock("SPY").build();
    let order = order_builder::limit_order(Action::Buy, 1.0, 500.0);
    let _first = client.place_order(1, &c, &order).await.unwrap();
    let mut second = client.place_order(2, &c, &order).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(5), second.next())
        .await
        .unwrap()
    {
        Some(Err(Error::Notice(n))) => {
            assert_eq!((n.code, n.request_id), (201, Some(2)));
            assert!(n.message.contains("simulated margin"));
        }
        other => panic!("expected rejection, got {other:?}"),
    }
    let _third = client.place_order(3, &c, &order).await.unwrap();
    eventually("orders 1 and 3 working", || {
        sim.open_orders()
            .iter()
            .map(|o| o.order_id)
            .collect::<Vec<_>>()
            == vec![1, 3]
    })
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn response_delay_slows_answers() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let t0 = Instant::now();
    client.server_time().await.unwrap();
    let fast = t0.elapsed();
    sim.set_response_delay(Duration::from_millis(300));
    let t1 = Instant::now();
    client.server_time().await.unwrap();
    let slow = t1.elapsed();
    assert!(
        slow >= Duration::from_millis(300),
        "delayed answer took {slow:?}"
    );
    assert!(
        fast < Duration::from_millis(300),
        "undelayed answer took {fast:?}"
    );
    sim.shutdown().await;
}

/// Raw client: handshake + startApi, returns the socket after the handshake reply.
async fn raw_session(addr: std::net::SocketAddr, client_id: i32) -> tokio::net::TcpStream {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"API\0\0\0\0\x09v213..226").await.unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).await.unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut reply).await.unwrap();
    let start = tws_sim::codec::encode_message(
        71,
        &tws_sim::proto::StartApiRequest {
            client_id: Some(client_id),
        },
    );
    s.write_all(&start).await.unwrap();
    s
}

async fn read_frames_until(
    s: &mut tokio::net::TcpStream,
    mut stop: impl FnMut(i32, &[u8]) -> bool,
) {
    loop {
        let mut len = [0u8; 4];
        tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut len))
            .await
            .unwrap()
            .unwrap();
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        s.read_exact(&mut body).await.unwrap();
        let (id, payload) = tws_sim::codec::split_message(&body).unwrap();
        if stop(id, payload) {
            return;
        }
    }
}

#[tokio::test]
async fn pacing_violation_answers_error_100() {
    let sim = start(quiet_config()).await;
    let mut s = raw_session(sim.local_addr(), 9).await;
    let req = tws_sim::codec::encode_message(49, &tws_sim::proto::Empty {});
    let burst: Vec<u8> = (0..60).flat_map(|_| req.clone()).collect();
    s.write_all(&burst).await.unwrap();
    let (mut times, mut paced) = (0, 0);
    read_frames_until(&mut s, |id, payload| {
        use prost::Message;
        match id {
            49 => times += 1,
            4 => {
                let e = tws_sim::proto::ErrorMessage::decode(payload).unwrap();
                if e.error_code == Some(100) {
                    paced += 1;
                }
            }
            _ => {}
        }
        times + paced == 60
    })
    .await;
    assert_eq!(
        (times, paced),
        (50, 10),
        "50 answered, 10 refused with error 100"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn scenario_file_steps_and_faults_run_on_the_sim_clock() {
    let dir = std::env::temp_dir().join(format!("tws-sim-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bars.csv"), "timestamp,open,high,low,close,volume\n2026-01-02T09:30:00-05:00,100.00,101.00,99.50,100.50,4000\n").unwrap();
    let path = dir.join("gap.toml");
    std::fs::write(
        &path,
        r#"
seed = 11
speed = 600.0
random_walk = false
[replay]
files = { QQQ = "bars.csv" }
[[steps]]
at = "09:31:00"
symbol = "SPY"
price = "580.00"
[[steps]]
at = "09:32:00"
symbol = "AAPL"
change_pct = "-10"
[[faults]]
at = "09:32:00"
kind = "reject_order"
n = 1
code = 202
message = "Order Canceled - reason: scripted"
"#,
    )
    .unwrap();
    let config = SimConfig::from_scenario_file(&path).unwrap();
    assert_eq!((config.seed, config.speed), (11, 600.0));
    let sim = start(SimConfig {
        tick_interval: Duration::from_millis(10),
        ..config
    })
    .await;
    // 2 simulated minutes at 600× is 0.2 s of real time.
    eventually("SPY gapped", || sim.last_price("SPY") == Some(dec!(580.00))).await;
    eventually("AAPL fell 10 %", || {
        sim.last_price("AAPL") == Some(dec!(207.00))
    })
    .await;
    // replay: O, L, H, C of the one bar, then it stays at the close
    eventually("QQQ replayed", || {
        sim.last_price("QQQ") == Some(dec!(100.50))
    })
    .await;
    let client = connect(&sim, 1).await;
    let mut sub = client
        .place_order(
            1,
            &Contract::stock("SPY").build(),
            &order_builder::market_order(Action::Buy, 1.0),
        )
        .await
        .unwrap();
    match tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap()
    {
        Some(Err(Error::Notice(n))) | Some(Ok(SubscriptionItem::Notice(n))) => {
            assert_eq!(n.code, 202)
        }
        other => panic!("expected the scripted rejection, got {other:?}"),
    }
    assert!(sim.executions().is_empty());
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn same_seed_same_prices_and_fills() {
    async fn run(seed: u64) -> (Vec<rust_decimal::Decimal>, Vec<rust_decimal::Decimal>) {
        let sim = start(SimConfig {
            seed,
            tick_interval: Duration::from_secs(3600),
            ..SimConfig::default()
        })
        .await;
        let client = connect(&sim, 1).await;
        let mut prices = Vec::new();
        for i in 0..5 {
            sim.step(20);
            prices.push(sim.last_price("NVDA").unwrap());
            let action = if i % 2 == 0 {
                Action::Buy
            } else {
                Action::Sell
            };
            drop(
                client
                    .place_order(
                        i + 1,
                        &Contract::stock("NVDA").build(),
                        &order_builder::market_order(action, 10.0),
                    )
                    .await
                    .unwrap(),
            );
            eventually("fill", || sim.executions().len() == i as usize + 1).await;
        }
        let fills = sim.executions().iter().map(|e| e.price).collect();
        assert!(sim.all_orders().iter().all(|o| o.status == Status::Filled));
        sim.shutdown().await;
        (prices, fills)
    }
    let (a, b, c) = (run(5).await, run(5).await, run(6).await);
    assert_eq!(a, b);
    assert_ne!(a.0, c.0);
    assert_eq!(a.1.len(), 5);
}

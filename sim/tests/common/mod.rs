//! Shared helpers for the whole-flow tests: start a simulator on a free
//! loopback port and connect the real `ibapi` async client to it.
#![allow(dead_code)]

use std::time::Duration;

use ibapi::prelude::*;
use tws_sim::{SimConfig, SimHandle, Simulator};

/// Deterministic config: no random walk, so prices move only by `set_price`.
pub fn quiet_config() -> SimConfig {
    SimConfig {
        random_walk: false,
        tick_interval: Duration::from_millis(50),
        ..SimConfig::default()
    }
}

pub async fn start(config: SimConfig) -> SimHandle {
    init_tracing();
    Simulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

pub async fn connect(sim: &SimHandle, client_id: i32) -> Client {
    let addr = sim.local_addr().to_string();
    tokio::time::timeout(Duration::from_secs(10), Client::connect(&addr, client_id))
        .await
        .expect("connect within 10 s")
        .expect("connect succeeds")
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Waits until `check` holds (polling every 10 ms), failing after 5 s.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Next data item of a subscription within 5 s (notices skipped).
#[macro_export]
macro_rules! next_data {
    ($sub:expr) => {{
        loop {
            let item = tokio::time::timeout(std::time::Duration::from_secs(5), $sub.next())
                .await
                .expect("item within 5 s");
            match item {
                Some(Ok(SubscriptionItem::Data(d))) => break d,
                Some(Ok(SubscriptionItem::Notice(_))) => continue,
                Some(Err(e)) => panic!("subscription error: {e:?}"),
                None => panic!("subscription ended"),
            }
        }
    }};
}

//! Measures, in one run, the loopback round trip of `reqCurrentTime` through
//! the `ibapi` client and the latency from `SimHandle::set_price` to the tick
//! arriving at the client. A measurement tool, not a test.
//!
//! ```text
//! cargo run --release -p tws-sim --example latency
//! ```

use std::time::{Duration, Instant};

use ibapi::contracts::tick_types::TickType;
use ibapi::prelude::*;
use rust_decimal::Decimal;
use tws_sim::{SimConfig, Simulator};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = SimConfig {
        random_walk: false,
        pacing_limit: None,
        tick_interval: Duration::from_secs(3600),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config, "127.0.0.1:0".parse()?).await?;
    let client = Client::connect(&sim.local_addr().to_string(), 1).await?;
    let n = 2000;

    let mut rtt = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.server_time().await?;
        rtt.push(t.elapsed());
    }
    rtt.sort();

    let mut sub = client
        .market_data(&Contract::stock("AAPL").build())
        .subscribe()
        .await?;
    // Drain the initial snapshot.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(100), sub.next()).await {}
    let mut tick = Vec::with_capacity(n);
    for i in 0..n {
        let price = Decimal::new(23_000 + (i as i64 % 2) * 100, 2);
        let t = Instant::now();
        sim.set_price("AAPL", price);
        loop {
            match sub.next().await {
                Some(Ok(SubscriptionItem::Data(TickTypes::PriceSize(p))))
                    if p.price_tick_type == TickType::Last =>
                {
                    break
                }
                Some(Ok(_)) => continue,
                other => return Err(format!("stream ended: {other:?}").into()),
            }
        }
        tick.push(t.elapsed());
        // drain the rest of this update (volume, timestamp)
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_micros(200), sub.next()).await {
        }
    }
    tick.sort();
    println!(
        "reqCurrentTime round trip (n={n}): p50 {:?}  p99 {:?}",
        percentile(&rtt, 0.5),
        percentile(&rtt, 0.99)
    );
    println!(
        "set_price -> last tick at client (n={n}): p50 {:?}  p99 {:?}",
        percentile(&tick, 0.5),
        percentile(&tick, 0.99)
    );
    sim.shutdown().await;
    Ok(())
}

//! Runs the simulator until Ctrl+C, like `first-trading-app sim`.
//!
//! ```text
//! cargo run -p tws-sim --example serve -- [--port 7497] [--seed N] [--scenario FILE] [--speed X]
//! ```
//! Set `RUST_LOG=tws_sim=debug` to see every session.

use std::net::SocketAddr;

use tws_sim::{run_until_ctrl_c, SimConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "tws_sim=info".into()),
        )
        .init();
    let mut args = std::env::args().skip(1);
    let (mut port, mut seed, mut scenario, mut speed) = (7497u16, None, None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => port = value.parse()?,
            "--seed" => seed = Some(value.parse::<u64>()?),
            "--scenario" => scenario = Some(value),
            "--speed" => speed = Some(value.parse::<f64>()?),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let mut config = match scenario {
        Some(path) => SimConfig::from_scenario_file(path)?,
        None => SimConfig::default(),
    };
    if let Some(seed) = seed {
        config.seed = seed;
    }
    if let Some(speed) = speed {
        config.speed = speed;
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_until_ctrl_c(config, addr))?;
    Ok(())
}

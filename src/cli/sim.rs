//! `first-trading-app sim`: the embedded TWS simulator on its own, so any TWS
//! API client (this bot, the `ibapi` examples, other tools) can connect to it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use tws_sim::SimConfig;

use crate::cli::{runtime, UsageError};

/// Arguments of `sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Loopback port to listen on (7497 = TWS paper; 4002 = IB Gateway paper;
    /// 0 = a free port the OS picks). The bound address is printed on stdout
    /// as one line, `tws-sim listening on 127.0.0.1:<port>`.
    #[arg(long, default_value_t = 7497)]
    pub port: u16,
    /// Seed of the random-walk prices (same seed + scenario + orders ⇒ same prices and fills).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Scenario file (TOML): price steps, gaps and scripted faults.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Market clock speed, × real time (e.g. 60 = one simulated minute per second).
    #[arg(long)]
    pub speed: Option<f64>,
    /// Managed (paper) account the simulator reports.
    #[arg(long)]
    pub account: Option<String>,
}

/// Builds the simulator configuration from the arguments.
///
/// # Errors
/// A message naming the bad argument.
pub fn config(args: &SimArgs) -> Result<SimConfig, String> {
    let mut config = match &args.scenario {
        Some(path) => SimConfig::from_scenario_file(path)
            .map_err(|e| format!("--scenario {}: {e}", path.display()))?,
        None => SimConfig::default(),
    };
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(speed) = args.speed {
        config.speed = check_speed("--speed", speed)?;
    }
    if let Some(account) = &args.account {
        config.account = account.clone();
    }
    Ok(config)
}

/// Fastest simulated market clock accepted, × real time (about a trading
/// day in a quarter of a second: faster only starves the bot of bars).
pub const MAX_SPEED: f64 = 100_000.0;

/// Checks a market clock speed given with `flag` (`--speed`, `--sim-speed`).
///
/// # Errors
/// A message naming the flag, the value and the allowed range.
pub(crate) fn check_speed(flag: &str, speed: f64) -> Result<f64, String> {
    if speed.is_finite() && speed > 0.0 && speed <= MAX_SPEED {
        Ok(speed)
    } else {
        Err(format!(
            "{flag} {speed}: must be a number greater than 0 and at most {MAX_SPEED}, e.g. 60"
        ))
    }
}

/// Runs the simulator until Ctrl+C; once it accepts connections, prints
/// `tws-sim listening on <address>` (the bound address, so `--port 0` tells
/// the caller which port it got) as the first line on stdout.
///
/// # Errors
/// A [`UsageError`] for a bad argument (exit 2); the runtime or the
/// simulator failing, with the address (exit 1).
pub fn run(args: &SimArgs) -> anyhow::Result<ExitCode> {
    let config = config(args).map_err(UsageError::Flag)?;
    let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), args.port);
    runtime()?
        .block_on(tws_sim::run_until_ctrl_c(config, addr))
        .with_context(|| format!("tws-sim on {addr}"))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_from_just_above_zero_to_the_maximum() {
        assert_eq!(check_speed("--speed", 0.5), Ok(0.5));
        assert_eq!(check_speed("--speed", MAX_SPEED), Ok(MAX_SPEED));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, MAX_SPEED * 2.0] {
            let message = check_speed("--sim-speed", bad).unwrap_err();
            assert!(message.starts_with("--sim-speed "), "{message}");
            assert!(message.contains("at most 100000"), "{message}");
        }
    }
}

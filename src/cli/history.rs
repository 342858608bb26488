//! `first-trading-app history`: download bars from TWS / IB Gateway (or
//! tws-sim) with reqHistoricalData, within IB's historical pacing rules, into
//! the CSV format the backtester reads. Needs the connection settings only:
//! no account id, and it never places or cancels an order.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::broker::tws;
use crate::broker::tws::history::{
    download_to_file, server_now, HistoryRequest, RequestError, SpecError,
};
use crate::broker::tws::pacing::HistoricalScheduler;
use crate::cli::{log_warnings, logging, runtime, LogFormat, UsageError};
use crate::settings::{Flags, LoadInputs, Settings};

/// Arguments of `history`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct HistoryArgs {
    /// US stock symbol (SMART routing, USD), e.g. SPY.
    #[arg(long, value_name = "SYMBOL")]
    pub symbol: String,
    /// Bar size as IB names it, with or without the space: 1secs, 5secs, 1min,
    /// 5mins, 15mins, 1hour, 1day, 1week, ...
    #[arg(long, value_name = "SIZE")]
    pub bar_size: String,
    /// How far back from now: a count and a unit S, D, W, M or Y, e.g. 5D, 1M, 2Y.
    #[arg(long, value_name = "DURATION")]
    pub duration: String,
    /// CSV file to write (replaced atomically when the download succeeds).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Include bars outside regular trading hours.
    #[arg(long)]
    pub extended_hours: bool,
    /// API client id to use instead of IBKR_CLIENT_ID (e.g. while the bot is running).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<i32>,
    /// Connect as `run --live` would (all other live settings must agree too).
    #[arg(long)]
    pub live: bool,
}

/// A problem with one of the arguments, as `--flag value: what is wrong`.
fn check_args(args: &HistoryArgs) -> Result<HistoryRequest, String> {
    let request = HistoryRequest::parse(
        &args.symbol,
        &args.bar_size,
        &args.duration,
        !args.extended_hours,
    )
    .map_err(|error| {
        let flag = match &error {
            RequestError::Symbol(_) => "--symbol",
            RequestError::Spec(SpecError::BarSize { .. }) => "--bar-size",
            RequestError::Spec(_) => "--duration",
        };
        format!("invalid {flag}: {error}")
    })?;
    check_out(&args.out)?;
    if let Some(id) = args.client_id {
        if id < 0 {
            return Err(format!(
                "invalid --client-id: {id}: a client id is 0 or a positive number"
            ));
        }
    }
    Ok(request)
}

/// The output file's directory must exist and the path must name a file.
fn check_out(out: &Path) -> Result<(), String> {
    if out.as_os_str().is_empty() || out.file_name().is_none() || out.is_dir() {
        return Err(format!(
            "invalid --out: {:?}: expected a file path, e.g. data/SPY_1min.csv",
            out.display().to_string()
        ));
    }
    let dir = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(format!(
            "invalid --out: {:?}: the directory {:?} does not exist",
            out.display().to_string(),
            dir.display().to_string()
        ));
    }
    Ok(())
}

/// Runs `history`: checks the arguments, loads the settings from `config`
/// (connection and client id only), connects, downloads, writes the file,
/// and prints how many bars it wrote and their span.
///
/// Exit code 0 when written.
///
/// # Errors
/// A [`UsageError`] for a bad argument or configuration (exit 2, nothing
/// opened); a connection, download or write failure (exit 1, the old file,
/// if any, is kept).
pub fn run(
    config: Option<PathBuf>,
    log_format: LogFormat,
    args: &HistoryArgs,
) -> anyhow::Result<ExitCode> {
    let request = check_args(args).map_err(UsageError::Flag)?;
    let inputs = LoadInputs::from_process(config, Flags { live: args.live });
    logging::init(log_format, inputs.redactor());
    let settings = Settings::load(&inputs).map_err(UsageError::from)?;
    log_warnings(&settings.warnings, false);
    let runtime = runtime()?;
    let connection = &settings.connection;
    let client_id = args.client_id.unwrap_or(connection.client_id);
    runtime.block_on(async {
        let client = tws::connect(&connection.host, connection.port, client_id).await?;
        let now = server_now(&client).await;
        let mut scheduler = HistoricalScheduler::default();
        let saved = download_to_file(&client, &mut scheduler, &request, &args.out, now).await?;
        crate::cli::print_out(&saved)?;
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(symbol: &str, bar_size: &str, duration: &str, out: &str) -> HistoryArgs {
        HistoryArgs {
            symbol: symbol.to_string(),
            bar_size: bar_size.to_string(),
            duration: duration.to_string(),
            out: PathBuf::from(out),
            extended_hours: false,
            client_id: None,
            live: false,
        }
    }

    #[test]
    fn both_spellings_give_the_same_request() {
        let a = check_args(&args("SPY", "1min", "5D", "spy.csv")).unwrap();
        let b = check_args(&args("SPY", "1 min", "5 D", "spy.csv")).unwrap();
        assert_eq!(a, b);
        assert!(a.regular_hours, "regular hours by default");
        let mut extended = args("SPY", "1min", "5D", "spy.csv");
        extended.extended_hours = true;
        assert!(!check_args(&extended).unwrap().regular_hours);
    }

    #[test]
    fn each_bad_value_names_its_flag() {
        let message = check_args(&args("SPY", "7min", "5D", "spy.csv")).unwrap_err();
        assert!(
            message.starts_with("invalid --bar-size: bar size \"7min\""),
            "{message}"
        );
        assert!(message.contains("1 min, 2 mins"), "{message}");
        let message = check_args(&args("SPY", "1min", "5 days", "spy.csv")).unwrap_err();
        assert!(
            message.starts_with("invalid --duration: duration \"5 days\""),
            "{message}"
        );
        let message = check_args(&args("S P Y", "1min", "5D", "spy.csv")).unwrap_err();
        assert!(message.starts_with("invalid --symbol: symbol"), "{message}");
        let message = check_args(&args("SPY", "1min", "5D", "no/such/dir/spy.csv")).unwrap_err();
        assert!(
            message.contains("\"no/such/dir\" does not exist"),
            "{message}"
        );
        let mut negative = args("SPY", "1min", "5D", "spy.csv");
        negative.client_id = Some(-1);
        assert!(check_args(&negative)
            .unwrap_err()
            .starts_with("invalid --client-id: -1"));
    }

    #[test]
    fn a_directory_is_not_an_output_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().display().to_string();
        let message = check_args(&args("SPY", "1min", "5D", &out)).unwrap_err();
        assert!(message.contains("expected a file path"), "{message}");
    }
}

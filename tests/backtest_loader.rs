//! Bad bar files stop a backtest before it runs, with messages that name the
//! file and the line of every problem.

use std::path::Path;

use first_trading_app::backtest::cli::{run_backtest, BacktestArgs, BacktestError};
use first_trading_app::backtest::csv::CsvError;

const HEADER: &str = "timestamp,open,high,low,close,volume\n";

fn run(dir: &Path, name: &str, body: &str) -> (String, BacktestError) {
    let path = dir.join(name);
    std::fs::write(&path, format!("{HEADER}{body}")).unwrap();
    let args = BacktestArgs {
        data: vec![path.clone()],
        progress: false,
        ..BacktestArgs::default()
    };
    let err = run_backtest(&args).unwrap_err();
    (path.display().to_string(), err)
}

#[test]
fn bad_number_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let (file, err) = run(
        dir.path(),
        "SPY_1d.csv",
        "2021-01-04T00:00:00-05:00,100,101,99,100,10\n2021-01-05T00:00:00-05:00,100,101,99,abc,10\n",
    );
    assert_eq!(
        err.to_string(),
        format!("{file}:3: close = \"abc\": not a number")
    );
    assert!(matches!(err, BacktestError::Csv(CsvError::Rows { .. })));
}

#[test]
fn unsorted_and_duplicate_timestamps_are_each_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (file, err) = run(
        dir.path(),
        "SPY_1d.csv",
        "2021-01-05T00:00:00-05:00,100,101,99,100,10\n\
         2021-01-04T00:00:00-05:00,100,101,99,100,10\n\
         2021-01-06T00:00:00-05:00,100,101,99,100,10\n\
         2021-01-06T00:00:00-05:00,100,101,99,100,10\n",
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{file}:3: timestamp 2021-01-04T00:00:00-05:00 is earlier than 2021-01-05T00:00:00-05:00 on line 2: \
             rows must be in ascending time order\n\
             {file}:5: timestamp 2021-01-06T00:00:00-05:00 repeats line 4: each bar start may appear once"
        )
    );
}

#[test]
fn bad_header_and_no_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SPY_1d.csv");
    std::fs::write(&path, "date,o,h,l,c,v\n20210104,1,1,1,1,1\n").unwrap();
    let args = BacktestArgs {
        data: vec![path.clone()],
        progress: false,
        ..BacktestArgs::default()
    };
    assert_eq!(
        run_backtest(&args).unwrap_err().to_string(),
        format!(
            "{}:1: header is \"date,o,h,l,c,v\"; expected \"timestamp,open,high,low,close,volume\"",
            path.display()
        )
    );
    let none = BacktestArgs {
        progress: false,
        ..BacktestArgs::default()
    };
    assert!(matches!(run_backtest(&none), Err(BacktestError::NoData)));
}

#[test]
fn strategy_symbols_need_data_and_fine_enough_bars() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("QQQ_1d.csv");
    std::fs::write(
        &data,
        format!(
            "{HEADER}2021-01-04T00:00:00-05:00,1,1,1,1,1\n2021-01-05T00:00:00-05:00,1,1,1,1,1\n"
        ),
    )
    .unwrap();
    let strategy = dir.path().join("s.toml");
    let text = "kind = \"sma_crossover\"\nsymbols = [\"SPY\"]\nbar_size = \"1 day\"\n\
                [sizing]\nfixed_quantity = 1\n[params]\nfast = 2\nslow = 3\n";
    std::fs::write(&strategy, text).unwrap();
    let mut args = BacktestArgs {
        data: vec![data.clone()],
        strategy: Some(strategy.clone()),
        progress: false,
        ..BacktestArgs::default()
    };
    let err = run_backtest(&args).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: symbol SPY has no bar file (given: QQQ)",
            strategy.display()
        )
    );

    std::fs::write(
        &strategy,
        text.replace("SPY", "QQQ").replace("1 day", "1 hour"),
    )
    .unwrap();
    args.strategy = Some(strategy.clone());
    let err = run_backtest(&args).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: bars of 86400 s cannot make the 3600 s bars {} trades on; use finer data",
            data.display(),
            strategy.display()
        )
    );
}

#[test]
fn a_bad_row_past_the_first_rows_fails_the_run_and_writes_no_report() {
    use first_trading_app::backtest::csv::INFER_ROWS;
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2021-01-04T14:30:00Z").unwrap();
    let rows = INFER_ROWS + 1_000;
    let bad = rows - 10;
    let mut body = String::new();
    for i in 0..rows {
        let time = (start + chrono::Duration::minutes(i as i64)).to_rfc3339();
        let close = if i == bad { "1O0" } else { "100" };
        body.push_str(&format!("{time},100,101,99,{close},10\n"));
    }
    let path = dir.path().join("SPY_1min.csv");
    std::fs::write(&path, format!("{HEADER}{body}")).unwrap();
    let out = dir.path().join("out");
    let args = BacktestArgs {
        data: vec![path.clone()],
        out: Some(out.clone()),
        progress: false,
        ..BacktestArgs::default()
    };
    let err = run_backtest(&args).unwrap_err();
    // Row `bad` is on line bad + 2 (the header is line 1).
    assert_eq!(
        err.to_string(),
        format!(
            "{}:{}: close = \"1O0\": not a number",
            path.display(),
            bad + 2
        )
    );
    assert!(!out.exists(), "no report from part of a file");
}

//! Property test of `backtest` as a user runs it: generated numeric flags
//! (valid, out of range, not numbers) and generated bar files (valid rows and
//! broken ones). Whatever the input, the binary exits 0 or 2 — never a panic —
//! and on 2 its message names the flag, or the file (with the line of a
//! broken row). A file with a broken row never runs.
//!
//! Each case starts the binary once, so the case count is kept small.

use std::path::Path;
use std::process::{Command, Stdio};

use proptest::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_first-trading-app");
const FILE: &str = "SPY_1d.csv";

/// One generated row of the bar file.
#[derive(Debug, Clone)]
enum Row {
    /// A consistent bar: open and close within [low, high], prices > 0.
    Valid {
        open: u32,
        close: u32,
        up: u32,
        down: u32,
    },
    /// A price that is not a number.
    NotANumber,
    /// High below low.
    HighBelowLow,
    /// A price ≤ 0.
    NotPositive,
    /// Five fields instead of six.
    MissingField,
    /// A timestamp that is not one.
    BadTime,
}

impl Row {
    fn broken(&self) -> bool {
        !matches!(self, Row::Valid { .. })
    }

    /// The row for day `day` (consecutive days from 2021-01-01, EST).
    fn text(&self, day: usize) -> String {
        let date = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap()
            + chrono::Duration::days(day as i64);
        let time = format!("{date}T00:00:00-05:00");
        let cents = |c: u32| format!("{}.{:02}", c / 100, c % 100);
        match *self {
            Row::Valid {
                open,
                close,
                up,
                down,
            } => {
                let high = open.max(close) + up;
                let low = open.min(close).saturating_sub(down).max(1);
                format!(
                    "{time},{},{},{},{},1000",
                    cents(open),
                    cents(high),
                    cents(low),
                    cents(close)
                )
            }
            Row::NotANumber => format!("{time},100,10x1,99,100,1000"),
            Row::HighBelowLow => format!("{time},100,98,99,100,1000"),
            Row::NotPositive => format!("{time},0,1,0,0,1000"),
            Row::MissingField => format!("{time},100,101,99,100"),
            Row::BadTime => "2021-13-45T00:00:00-05:00,100,101,99,100,1000".to_string(),
        }
    }
}

fn row() -> impl Strategy<Value = Row> {
    prop_oneof![
        12 => (5_000u32..15_000, 5_000u32..15_000, 0u32..300, 0u32..300)
            .prop_map(|(open, close, up, down)| Row::Valid { open, close, up, down }),
        1 => Just(Row::NotANumber),
        1 => Just(Row::HighBelowLow),
        1 => Just(Row::NotPositive),
        1 => Just(Row::MissingField),
        1 => Just(Row::BadTime),
    ]
}

/// A flag value and whether it is valid.
fn equity() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        (1u64..=1_000_000_000_000).prop_map(|n| (n.to_string(), true)),
        Just(("0.01".to_string(), true)),
        Just(("0".to_string(), false)),
        Just(("-1".to_string(), false)),
        Just(("1000000000001".to_string(), false)),
        Just(("79228162514264337593543950335".to_string(), false)),
        Just(("1e400".to_string(), false)),
        Just(("lots".to_string(), false)),
        Just((String::new(), false)),
    ]
}

fn slippage() -> impl Strategy<Value = Option<(String, bool)>> {
    proptest::option::of(prop_oneof![
        (0u32..=10_000).prop_map(|n| (n.to_string(), true)),
        Just(("2.5".to_string(), true)),
        Just(("-0.5".to_string(), false)),
        Just(("10000.01".to_string(), false)),
        Just(("x".to_string(), false)),
    ])
}

fn bar_size() -> impl Strategy<Value = Option<(String, bool)>> {
    proptest::option::of(prop_oneof![
        Just(("1 day".to_string(), true)),
        Just(("7 secs".to_string(), false)),
        Just(("2 days".to_string(), false)),
        Just(("".to_string(), false)),
    ])
}

fn dates() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        Just("2021-01-10".to_string()),
        Just("2021-03-01".to_string()),
        Just("1999-12-31".to_string()),
        Just("2021-02-30".to_string()),
        Just("soon".to_string()),
    ])
}

/// What one run printed and returned.
struct Ran {
    code: Option<i32>,
    stderr: String,
}

fn run_backtest(dir: &Path, args: &[String]) -> Ran {
    let out = Command::new(BIN)
        .current_dir(dir)
        .arg("backtest")
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Ran {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_flags_and_any_bar_file_exit_0_or_2_with_a_located_message(
        rows in proptest::collection::vec(row(), 0..60),
        broken_header in proptest::bool::weighted(0.05),
        equity in equity(),
        slippage in slippage(),
        bar_size in bar_size(),
        from in dates(),
        to in dates(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let header = if broken_header { "time,open,high,low,close" } else { "timestamp,open,high,low,close,volume" };
        let mut text = format!("{header}\n");
        for (day, r) in rows.iter().enumerate() {
            text.push_str(&r.text(day));
            text.push('\n');
        }
        std::fs::write(dir.path().join(FILE), text).unwrap();

        let mut args = vec!["--data".to_string(), FILE.to_string(), format!("--equity={}", equity.0)];
        let mut flags_ok = equity.1 && from.is_none() && to.is_none();
        for (flag, value) in [("--slippage-bps", &slippage), ("--bar-size", &bar_size)] {
            if let Some((text, ok)) = value {
                args.push(format!("{flag}={text}"));
                flags_ok &= ok;
            }
        }
        for (flag, value) in [("--from", &from), ("--to", &to)] {
            if let Some(date) = value {
                args.push(format!("{flag}={date}"));
            }
        }
        let ran = run_backtest(dir.path(), &args);
        let stderr = &ran.stderr;
        prop_assert!(!stderr.contains("panicked"), "{args:?}\n{stderr}");
        prop_assert!(matches!(ran.code, Some(0 | 2)), "{args:?}: exit {:?}\n{stderr}", ran.code);
        let broken_lines: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.broken())
            .map(|(i, _)| i + 2)
            .collect();
        if ran.code == Some(2) {
            prop_assert!(
                stderr.contains("--") || stderr.contains(FILE),
                "{args:?}: names neither a flag nor the file:\n{stderr}"
            );
        }
        if flags_ok && (broken_header || !broken_lines.is_empty()) {
            prop_assert_eq!(ran.code, Some(2), "a broken file ran: {:?}\n{}", args, stderr);
            let located = if broken_header {
                stderr.contains(&format!("{FILE}:1:"))
            } else {
                broken_lines.iter().any(|l| stderr.contains(&format!("{FILE}:{l}:")))
            };
            prop_assert!(located, "{args:?}: no file:line of a broken row in:\n{stderr}");
        }
    }
}

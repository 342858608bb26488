//! CSV bar loading: accepted formats, every bad row reported with file, line,
//! column and value, bar-length inference, date ranges, symbols from names.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal_macros::dec;

use super::*;

fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn parse(text: &str) -> Result<BarSeries, CsvError> {
    parse_bars("data/SPY.csv", text, spy(), &LoadOptions::default())
}

const HOURLY: &str = "timestamp,open,high,low,close,volume
2021-03-31T09:00:00-04:00,100.00,101.00,99.50,100.50,1000
2021-03-31T10:00:00-04:00,100.50,102.00,100.00,101.75,2000
2021-03-31T11:00:00-04:00,101.75,101.80,100.10,100.20,1500
";

#[test]
fn reads_rows_into_decimal_bars_with_inferred_length() {
    let series = parse(HOURLY).unwrap();
    assert_eq!(series.symbol, spy());
    assert_eq!(series.seconds, 3600);
    assert_eq!(series.bars.len(), 3);
    let b = &series.bars[1];
    assert_eq!(b.start, utc("2021-03-31T14:00:00Z"));
    assert_eq!(b.seconds, 3600);
    assert_eq!(
        (b.open, b.high, b.low, b.close),
        (dec!(100.50), dec!(102.00), dec!(100.00), dec!(101.75))
    );
    assert_eq!(b.volume, dec!(2000));
}

#[test]
fn crlf_bom_blank_lines_and_header_case_are_accepted() {
    let text = "\u{feff}Timestamp,Open,High,Low,Close,Volume\r\n\
                20210104 09:30:00 US/Eastern,10,11,9,10.5,5\r\n\r\n\
                20210104 09:31:00 US/Eastern,10.5,10.5,10.5,10.5,0\r\n";
    let series = parse(text).unwrap();
    assert_eq!(series.seconds, 60);
    assert_eq!(series.bars[0].start, utc("2021-01-04T14:30:00Z"));
    assert_eq!(series.bars[1].volume, dec!(0));
}

#[test]
fn bad_number_names_file_line_column_and_value() {
    let text = HOURLY.replace("100.20,1500", "abc,1500");
    let err = parse(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"data/SPY.csv:4: close = "abc": not a number"#
    );
    match err {
        CsvError::Rows {
            problems, total, ..
        } => {
            assert_eq!(total, 1);
            assert_eq!(problems[0].line, 4);
            assert!(matches!(
                problems[0].problem,
                RowProblem::Field {
                    column: Column::Close,
                    problem: FieldProblem::NotANumber,
                    ..
                }
            ));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_price_beyond_eight_places_is_refused_not_rounded() {
    // A float's tail: the engine holds prices exactly to 8 places.
    let text = HOURLY.replace("101.80,100.10", "101.800000001,100.10");
    assert_eq!(
        parse(&text).unwrap_err().to_string(),
        r#"data/SPY.csv:4: high = "101.800000001": has more than 8 decimal places (round the file's prices)"#
    );
    // Eight places, and trailing zeros within them, are fine.
    assert!(parse(&HOURLY.replace("101.80,100.10", "101.80000001,100.10000000")).is_ok());
}

#[test]
fn an_unknown_time_zone_is_an_error_naming_file_and_line_never_new_york() {
    let text = "timestamp,open,high,low,close,volume
20210104 09:30:00 US/Eastern,10,11,9,10.5,5
20210104 09:31:00 Mars/Olympus,10.5,10.5,10.5,10.5,0
";
    let err = parse(text).unwrap_err();
    assert!(
        err.to_string().starts_with("data/SPY.csv:3: timestamp = "),
        "{err}"
    );
    let CsvError::Rows { problems, .. } = err else {
        panic!("unexpected {err:?}");
    };
    assert_eq!(problems[0].line, 3);
    assert_eq!(
        problems[0].problem,
        RowProblem::Field {
            column: Column::Timestamp,
            value: "20210104 09:31:00 Mars/Olympus".to_string(),
            problem: FieldProblem::Time(TimeProblem::UnknownZone),
        }
    );
}

#[test]
fn every_bad_row_is_reported_not_just_the_first() {
    let text = "timestamp,open,high,low,close,volume
2021-03-31T09:00:00-04:00,0,101,99,100,10
2021-03-31T10:00:00-04:00,100,101,99,100
2021-03-31T11:00:00-04:00,100,99,101,100,10
2021-03-31T12:00:00-04:00,100,101,99,100,-1
yesterday,100,101,99,100,10
";
    let message = parse(text).unwrap_err().to_string();
    assert_eq!(
        message,
        "data/SPY.csv:2: open = \"0\": must be greater than 0\n\
         data/SPY.csv:3: expected 6 fields (timestamp,open,high,low,close,volume), found 5\n\
         data/SPY.csv:4: inconsistent prices: open 100, high 99, low 101, close 100 (need low ≤ open, close ≤ high)\n\
         data/SPY.csv:5: volume = \"-1\": must be 0 or more\n\
         data/SPY.csv:6: timestamp = \"yesterday\": not a timestamp (expected RFC 3339 with an offset, \
         e.g. 2021-03-31T09:30:00-04:00, or IB's 20210331 09:30:00 US/Eastern)"
    );
}

#[test]
fn unsorted_and_duplicate_rows_are_all_reported() {
    let text = "timestamp,open,high,low,close,volume
2021-03-31T09:00:00-04:00,100,101,99,100,10
2021-03-31T11:00:00-04:00,100,101,99,100,10
2021-03-31T10:00:00-04:00,100,101,99,100,10
2021-03-31T12:00:00-04:00,100,101,99,100,10
2021-03-31T12:00:00-04:00,100,101,99,100,10
";
    let err = parse(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "data/SPY.csv:4: timestamp 2021-03-31T10:00:00-04:00 is earlier than 2021-03-31T11:00:00-04:00 \
         on line 3: rows must be in ascending time order\n\
         data/SPY.csv:6: timestamp 2021-03-31T12:00:00-04:00 repeats line 5: each bar start may appear once"
    );
}

#[test]
fn problem_list_is_bounded_but_counts_everything() {
    let mut text = String::from("timestamp,open,high,low,close,volume\n");
    for i in 0..30 {
        text.push_str(&format!("2021-03-31T{:02}:00:00-04:00,x,1,1,1,1\n", i % 24));
    }
    match parse(&text).unwrap_err() {
        err @ CsvError::Rows { .. } => {
            let message = err.to_string();
            assert!(
                message.ends_with("data/SPY.csv: … and 10 more problem(s)"),
                "{message}"
            );
            let CsvError::Rows {
                problems, total, ..
            } = err
            else {
                unreachable!()
            };
            assert_eq!((problems.len(), total), (MAX_REPORTED, 30));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn bad_header_empty_file_and_single_bar() {
    assert_eq!(
        parse("time,o,h,l,c,v\n").unwrap_err().to_string(),
        "data/SPY.csv:1: header is \"time,o,h,l,c,v\"; expected \"timestamp,open,high,low,close,volume\""
    );
    assert!(matches!(
        parse("timestamp,open,high,low,close,volume\n"),
        Err(CsvError::Empty { .. })
    ));
    let one = "timestamp,open,high,low,close,volume\n2021-03-31T09:00:00-04:00,1,1,1,1,1\n";
    assert!(matches!(parse(one), Err(CsvError::SpacingUnknown { .. })));
    let given = LoadOptions {
        seconds: Some(60),
        ..LoadOptions::default()
    };
    assert_eq!(parse_bars("x.csv", one, spy(), &given).unwrap().seconds, 60);
}

#[test]
fn daily_bars_across_daylight_saving_infer_one_day() {
    // 2021-03-12 (Fri, EST) → 2021-03-15 (Mon, EDT) is 71 h; Mon → Tue 24 h.
    let text = "timestamp,open,high,low,close,volume
2021-03-11T00:00:00-05:00,1,1,1,1,1
2021-03-12T00:00:00-05:00,1,1,1,1,1
2021-03-15T00:00:00-04:00,1,1,1,1,1
2021-03-16T00:00:00-04:00,1,1,1,1,1
";
    assert_eq!(parse(text).unwrap().seconds, 86_400);
}

#[test]
fn date_range_is_inclusive_in_new_york_dates() {
    let text = "timestamp,open,high,low,close,volume
2021-03-29T00:00:00-04:00,1,1,1,1,1
2021-03-30T00:00:00-04:00,2,2,2,2,1
2021-03-31T00:00:00-04:00,3,3,3,3,1
";
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let options = LoadOptions {
        from: Some(d("2021-03-30")),
        to: Some(d("2021-03-31")),
        ..LoadOptions::default()
    };
    let series = parse_bars("x.csv", text, spy(), &options).unwrap();
    assert_eq!(
        series.bars.iter().map(|b| b.close).collect::<Vec<_>>(),
        vec![dec!(2), dec!(3)]
    );
    // Spacing still comes from the whole file.
    assert_eq!(series.seconds, 86_400);
    let none = LoadOptions {
        from: Some(d("2022-01-01")),
        ..LoadOptions::default()
    };
    assert_eq!(
        parse_bars("x.csv", text, spy(), &none)
            .unwrap_err()
            .to_string(),
        "x.csv: no bars from 2022-01-01 to the end (the file covers 2021-03-29 to 2021-03-31)"
    );
    let backwards = LoadOptions {
        from: Some(d("2021-03-31")),
        to: Some(d("2021-03-30")),
        ..LoadOptions::default()
    };
    assert!(matches!(
        parse_bars("x.csv", text, spy(), &backwards),
        Err(CsvError::BadRange { .. })
    ));
}

#[test]
fn symbol_comes_from_the_file_name() {
    assert_eq!(
        symbol_from_path(Path::new("../shared/data/bars/SPY_1h.csv")),
        Some(spy())
    );
    assert_eq!(
        symbol_from_path(Path::new("data/QQQ.csv"))
            .unwrap()
            .as_str(),
        "QQQ"
    );
    let missing = load_bars(
        Path::new("/nonexistent/SPY_1d.csv"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("/nonexistent/SPY_1d.csv: cannot read: "),
        "{missing}"
    );
}

#[test]
fn loads_the_shared_hourly_file_when_present() {
    // `../shared` from the main checkout, `../../shared` from a worktree.
    let found = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared/data/bars/SPY_1h.csv"))
        .find(|path| path.exists());
    let Some(path) = found else {
        return;
    };
    let series = load_bars(&path, &LoadOptions::default()).unwrap();
    assert_eq!(series.bars.len(), 40_832);
    assert_eq!(series.seconds, 3600);
    assert_eq!(series.bars[0].open, dec!(97.3100));
    assert_eq!(series.bars[0].start, utc("1998-01-02T14:00:00Z"));
}

/// `rows` rows `spacing` minutes apart from 2021-03-01 00:00 UTC, all valid.
fn rows_every(rows: usize, spacing: i64) -> Vec<String> {
    let start = utc("2021-03-01T00:00:00Z");
    (0..rows)
        .map(|i| {
            let t = start + chrono::Duration::minutes(spacing * i as i64);
            format!("{},10,11,9,10,100", t.to_rfc3339())
        })
        .collect()
}

fn file_of(rows: &[String]) -> String {
    format!(
        "timestamp,open,high,low,close,volume\n{}\n",
        rows.join("\n")
    )
}

#[test]
fn the_bar_length_comes_from_the_first_rows_read_ahead() {
    // INFER_ROWS one-minute rows, then twice as many hourly ones: the
    // hourly spacing is the most common in the file, but the length is
    // inferred from the rows read ahead.
    let mut rows = rows_every(INFER_ROWS, 1);
    let later = utc("2021-06-01T00:00:00Z");
    rows.extend((0..2 * INFER_ROWS).map(|i| {
        let t = later + chrono::Duration::hours(i as i64);
        format!("{},10,11,9,10,100", t.to_rfc3339())
    }));
    let series = parse(&file_of(&rows)).unwrap();
    assert_eq!(series.seconds, 60);
    assert_eq!(series.bars.len(), 3 * INFER_ROWS);
}

#[test]
fn problems_of_every_kind_come_in_line_order_wherever_they_are() {
    // Lines 3 (duplicate) and 6 (bad number) are read ahead at opening;
    // line INFER_ROWS + 100 (unsorted) only at the end of the file.
    let mut rows = rows_every(INFER_ROWS + 200, 1);
    rows[1] = rows[0].clone();
    rows[4] = rows[4].replace(",10,100", ",ten,100");
    let late = INFER_ROWS + 98;
    rows[late] = rows[0].clone();
    let err = parse(&file_of(&rows)).unwrap_err();
    let CsvError::Rows {
        problems, total, ..
    } = err
    else {
        panic!("unexpected {err:?}");
    };
    let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 6, late + 2]);
    assert_eq!(total, 3);
    assert!(matches!(problems[2].problem, RowProblem::Unsorted { .. }));
}

#[test]
fn a_reader_hands_out_no_bar_after_a_bad_row_and_finish_names_every_problem() {
    let mut rows = rows_every(INFER_ROWS + 50, 1);
    let bad = INFER_ROWS + 10;
    rows[bad] = rows[bad].replace(",9,", ",12,");
    rows[bad + 20] = rows[bad + 20].replace(",100", ",-5");
    let text = file_of(&rows);
    let mut reader = BarReader::open("SPY.csv", text.as_bytes(), spy(), &LoadOptions::default())
        .expect("the problems come after the rows read ahead");
    assert_eq!(reader.by_ref().count(), bad);
    assert!(reader.failed());
    assert_eq!(
        reader.finish().unwrap_err().to_string(),
        format!(
            "SPY.csv:{}: inconsistent prices: open 10, high 11, low 12, close 10 (need low ≤ open, close ≤ high)\n\
             SPY.csv:{}: volume = \"-5\": must be 0 or more",
            bad + 2,
            bad + 22
        )
    );
}

#[test]
fn the_fast_decimal_path_reads_what_decimal_reads_scale_included() {
    let mut cases: Vec<String> = [
        "0",
        "00",
        "0.0",
        "97.3100",
        "384500",
        "007.50",
        "1.",
        ".5",
        "-1",
        "+1",
        "1e3",
        "1.2.3",
        "",
        "12345678901234567.8",
        "123456789012345678",
        "1234567890123456789",
        "9.99999999999999999",
        "1_0",
        "1 0",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    // Whole numbers and every scale up to 6 of a spread of mantissas.
    for m in (0..2_000_000u64).step_by(7_919) {
        cases.push(m.to_string());
        for scale in 1..=6 {
            let text = format!("{m:0>7}");
            let cut = text.len() - scale;
            cases.push(format!("{}.{}", &text[..cut], &text[cut..]));
        }
    }
    for text in &cases {
        let (fast, slow) = (decimal(text), text.parse::<Decimal>());
        match (fast, slow) {
            (Ok(a), Ok(b)) => assert_eq!((a, a.scale()), (b, b.scale()), "{text:?}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{text:?}: fast {a:?}, FromStr {b:?}"),
        }
    }
}

#[test]
fn fields_split_at_every_comma_and_are_trimmed() {
    let mut fields = [""; 6];
    assert_eq!(split_fields("a, b ,c,\u{a0}d\u{a0},e,f", &mut fields), 6);
    assert_eq!(fields, ["a", "b", "c", "d", "e", "f"]);
    assert_eq!(split_fields("a,b,c,d,e,f,g,h", &mut fields), 8);
    assert_eq!(split_fields("a,b", &mut fields), 2);
    assert_eq!(split_fields("", &mut fields), 1);
}

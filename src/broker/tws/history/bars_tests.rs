//! Conversion, merging and CSV lines checked against hand-written expectations.

use std::str::FromStr;

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

fn bar(start: &str, close: Decimal) -> Bar {
    Bar {
        symbol: spy(),
        start: utc(start),
        seconds: 60,
        open: close,
        high: close,
        low: close,
        close,
        volume: dec!(100),
    }
}

#[test]
fn daily_bars_start_at_new_york_midnight() {
    let winter = BarTimestamp::from_str("20240105").unwrap();
    assert_eq!(bar_start(&winter).unwrap(), utc("2024-01-05T05:00:00Z"));
    let summer = BarTimestamp::from_str("20240705").unwrap();
    assert_eq!(bar_start(&summer).unwrap(), utc("2024-07-05T04:00:00Z"));
}

#[test]
fn intraday_bars_keep_their_instant() {
    // 1_704_465_000 s = 2024-01-05 14:30:00 UTC = 09:30 in New York (EST).
    let stamp = BarTimestamp::from_str("1704465000").unwrap();
    assert_eq!(bar_start(&stamp).unwrap(), utc("2024-01-05T14:30:00Z"));
}

#[test]
fn ib_bars_convert_to_decimal_prices_and_utc_start() {
    let ib = IbBar {
        date: BarTimestamp::from_str("1704465000").unwrap(),
        open: 470.5,
        high: 471.25,
        low: 469.87,
        close: 470.91,
        volume: 123_400.0,
        wap: 470.6,
        count: 812,
    };
    let ours = convert_bar(spy(), 60, &ib).unwrap();
    assert_eq!(ours.start, utc("2024-01-05T14:30:00Z"));
    assert_eq!(ours.seconds, 60);
    assert_eq!(ours.open, dec!(470.5));
    assert_eq!(ours.high, dec!(471.25));
    assert_eq!(ours.low, dec!(469.87));
    assert_eq!(ours.close, dec!(470.91));
    assert_eq!(ours.volume, dec!(123400));
}

#[test]
fn a_row_has_new_york_time_and_four_decimal_prices() {
    let row = Bar {
        symbol: spy(),
        start: utc("2024-01-05T14:30:00Z"),
        seconds: 60,
        open: dec!(470.5),
        high: dec!(471.25),
        low: dec!(469.87),
        close: dec!(470.9123),
        volume: dec!(123400),
    };
    assert_eq!(
        format_row(&row),
        "2024-01-05T09:30:00-05:00,470.5000,471.2500,469.8700,470.9123,123400"
    );
}

#[test]
fn summer_rows_carry_the_daylight_saving_offset() {
    assert_eq!(
        format_timestamp(utc("2013-10-04T13:30:00Z")),
        "2013-10-04T09:30:00-04:00"
    );
    assert_eq!(
        format_timestamp(utc("1998-01-02T05:00:00Z")),
        "1998-01-02T00:00:00-05:00"
    );
}

#[test]
fn prices_keep_extra_decimals_and_pad_whole_numbers() {
    assert_eq!(format_price(dec!(1.23456)), "1.23456");
    assert_eq!(format_price(dec!(100)), "100.0000");
    assert_eq!(format_price(dec!(97.310000)), "97.3100");
}

#[test]
fn merging_sorts_drops_duplicates_and_bars_before_the_cutoff() {
    let merged = merge_bars(
        vec![
            bar("2024-01-05T14:32:00Z", dec!(3)),
            bar("2024-01-05T14:31:00Z", dec!(2)),
            // Same start again from an older chunk: the first one wins.
            bar("2024-01-05T14:31:00Z", dec!(99)),
            bar("2024-01-05T14:30:00Z", dec!(1)),
            bar("2024-01-05T14:29:00Z", dec!(0)),
        ],
        Some(utc("2024-01-05T14:30:00Z")),
    );
    let closes: Vec<Decimal> = merged.iter().map(|b| b.close).collect();
    assert_eq!(closes, vec![dec!(1), dec!(2), dec!(3)]);
}

#[test]
fn the_csv_is_the_header_then_one_line_per_bar() {
    let bars = vec![
        bar("2024-01-05T14:30:00Z", dec!(470.5)),
        bar("2024-01-05T14:31:00Z", dec!(470.75)),
    ];
    let mut out = Vec::new();
    write_csv(&mut out, &bars).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "timestamp,open,high,low,close,volume\n\
         2024-01-05T09:30:00-05:00,470.5000,470.5000,470.5000,470.5000,100\n\
         2024-01-05T09:31:00-05:00,470.7500,470.7500,470.7500,470.7500,100\n"
    );
}

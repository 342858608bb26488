//! `history` end to end: the bot's own connect, the real `ibapi` client and
//! tws-sim over a loopback socket; bars downloaded in paced chunks and
//! written to a CSV file in the shared format. Also: the outbound rate
//! limiter keeps a burst of requests under the simulator's 50 messages/s.
//!
//! The simulator's clock is frozen at Monday 2026-01-05 09:30 New York time
//! (`speed: 0`), its sessions are 09:30-16:00 on every weekday (no holidays),
//! so the expected bars are counted by hand below.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Timelike};
use first_trading_app::broker::tws;
use first_trading_app::broker::tws::history::{
    download_to_file, server_now, HistoryRequest, Summary,
};
use first_trading_app::broker::tws::pacing::{shared_outbound_rate_limiter, HistoricalScheduler};
use tws_sim::{SimConfig, SimHandle, Simulator};

/// Regular-session one-minute bars per day: 09:30 .. 15:59.
const MINUTES_PER_SESSION: usize = 390;

async fn start_sim() -> SimHandle {
    let config = SimConfig {
        speed: 0.0,
        random_walk: false,
        ..SimConfig::default()
    };
    Simulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

async fn download(sim: &SimHandle, bar_size: &str, duration: &str, out: &Path) -> Summary {
    let client = tws::connect("127.0.0.1", sim.local_addr().port(), 7)
        .await
        .expect("connects to the simulator");
    let now = server_now(&client).await;
    assert_eq!(
        now.to_rfc3339(),
        "2026-01-05T14:30:00+00:00",
        "the frozen sim clock"
    );
    let request = HistoryRequest::parse("spy", bar_size, duration, true).unwrap();
    let mut scheduler = HistoricalScheduler::default();
    download_to_file(&client, &mut scheduler, &request, out, now)
        .await
        .expect("download succeeds")
}

/// The rows of a written file, checked for the header and six fields each.
fn rows(path: &Path) -> Vec<(DateTime<FixedOffset>, Vec<String>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("timestamp,open,high,low,close,volume"));
    lines
        .map(|line| {
            let fields: Vec<String> = line.split(',').map(str::to_string).collect();
            assert_eq!(fields.len(), 6, "{line}");
            let time = DateTime::parse_from_rfc3339(&fields[0]).unwrap();
            (time, fields)
        })
        .collect()
}

fn check_rows(rows: &[(DateTime<FixedOffset>, Vec<String>)]) {
    for pair in rows.windows(2) {
        assert!(pair[0].0 < pair[1].0, "sorted and unique: {:?}", pair);
    }
    for (time, fields) in rows {
        // New York offsets in winter; prices padded to 4 decimals.
        assert_eq!(time.offset().local_minus_utc(), -5 * 3600, "{fields:?}");
        for price in &fields[1..5] {
            let decimals = price.split('.').nth(1).map_or(0, str::len);
            assert!(decimals >= 4, "{fields:?}");
        }
        let [open, high, low, close]: [f64; 4] =
            std::array::from_fn(|i| fields[i + 1].parse().unwrap());
        assert!(
            low <= open.min(close) && high >= open.max(close),
            "{fields:?}"
        );
        assert!(fields[5].parse::<u64>().unwrap() > 0, "{fields:?}");
    }
}

#[tokio::test]
async fn five_days_of_minute_bars_come_one_session_per_request() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("SPY_1min.csv");
    let summary = download(&sim, "1min", "5D", &out).await;

    // Frozen at Monday's open: the five sessions before are Fri 2 Jan,
    // Wed 31, Tue 30, Mon 29 and Fri 26 Dec (New Year's Day and Christmas
    // are exchange holidays: the sim keeps NYSE's calendar).
    assert_eq!(summary.requests, 5);
    assert_eq!(summary.bars, 5 * MINUTES_PER_SESSION);
    let rows = rows(&out);
    assert_eq!(rows.len(), 5 * MINUTES_PER_SESSION);
    assert_eq!(rows[0].1[0], "2025-12-26T09:30:00-05:00");
    assert_eq!(rows[rows.len() - 1].1[0], "2026-01-02T15:59:00-05:00");
    check_rows(&rows);
    for (time, _) in &rows {
        let minutes = time.hour() * 60 + time.minute();
        assert!((570..960).contains(&minutes), "regular hours only: {time}");
    }
    assert_eq!(
        summary.to_string(),
        format!(
            "wrote 1950 1 min bars of SPY to {}, 2025-12-26T09:30:00-05:00 .. 2026-01-02T15:59:00-05:00 (5 requests)",
            out.display()
        )
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn two_weeks_walk_back_to_the_cutoff_within_the_burst_rule() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("SPY_1min_2w.csv");
    let started = Instant::now();
    let summary = download(&sim, "1 min", "2 W", &out).await;
    let elapsed = started.elapsed();

    // Cutoff 2025-12-22 09:30: eight sessions (22 Dec .. 2 Jan without
    // Christmas and New Year's Day; Christmas Eve closes at 13:00), one
    // request each.
    assert_eq!(summary.requests, 8);
    assert_eq!(summary.bars, 7 * MINUTES_PER_SESSION + 210);
    let rows = rows(&out);
    assert_eq!(rows[0].1[0], "2025-12-22T09:30:00-05:00");
    assert_eq!(rows[rows.len() - 1].1[0], "2026-01-02T15:59:00-05:00");
    check_rows(&rows);
    // At most 5 requests for one contract in 2 s: the 6th waited for the 1st.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn daily_bars_over_two_years_are_midnight_new_york_and_weekdays() {
    let sim = start_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("SPY_1d.csv");
    let summary = download(&sim, "1 day", "2Y", &out).await;

    assert_eq!(summary.requests, 2, "two 1 Y requests");
    let rows = rows(&out);
    assert_eq!(rows.len(), summary.bars);
    // The sim counts 252 sessions in a year, today's included; the second
    // request ends at midnight of the first one's oldest day, which the sim
    // counts again: 252 + 251 distinct days.
    assert_eq!(rows.len(), 503);
    for (time, fields) in &rows {
        assert_eq!((time.hour(), time.minute()), (0, 0), "{fields:?}");
        assert!(
            !matches!(
                chrono::Datelike::weekday(time),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            ),
            "{fields:?}"
        );
    }
    let mut sorted = rows.clone();
    sorted.sort_by_key(|(time, _)| *time);
    sorted.dedup_by_key(|(time, _)| *time);
    assert_eq!(sorted.len(), rows.len(), "sorted and unique");
    sim.shutdown().await;
}

#[tokio::test]
async fn the_outbound_limiter_keeps_a_request_burst_under_50_per_second() {
    let sim = start_sim().await;
    // What connect.rs installs: the shared limiter at 40 messages/s.
    let limiter = shared_outbound_rate_limiter();
    let client = ibapi::Client::builder()
        .address(sim.local_addr().to_string())
        .client_id(8)
        .rate_limiter(limiter)
        .connect()
        .await
        .expect("connects");
    // 120 requests back to back: without a limiter they go out in well under
    // a second and the simulator refuses every one past the 50th in a second
    // (error 100, no answer). With 40/s they all get answers, over > 2 s.
    let started = Instant::now();
    for i in 0..120 {
        let answer = tokio::time::timeout(Duration::from_secs(5), client.server_time()).await;
        assert!(
            matches!(answer, Ok(Ok(_))),
            "request {i} was not answered: {answer:?}"
        );
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    sim.shutdown().await;
}

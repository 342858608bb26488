use chrono::TimeZone;

use super::*;

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

#[test]
fn the_watchdog_fires_only_during_regular_trading_hours() {
    // Monday 2026-01-05, EST: 10:00 New York = 15:00 UTC.
    let open = Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap();
    assert!(watchdog_fires(open));
    // 16:30 New York: after the close.
    assert!(!watchdog_fires(
        Utc.with_ymd_and_hms(2026, 1, 5, 21, 30, 0).unwrap()
    ));
    // Saturday midday.
    assert!(!watchdog_fires(
        Utc.with_ymd_and_hms(2026, 1, 3, 17, 0, 0).unwrap()
    ));
    // Christmas Day 2026 (a Friday) at 11:00 New York.
    assert!(!watchdog_fires(
        Utc.with_ymd_and_hms(2026, 12, 25, 16, 0, 0).unwrap()
    ));
    // Three 5-second bars.
    assert_eq!(watchdog_silence(), Duration::from_secs(15));
}

#[test]
fn health_lists_inactive_and_retrying_symbols_for_the_status_line() {
    let health = MarketDataHealth::default();
    assert_eq!(health.summary(), "ok");
    health.set(sym("SPY"), FeedState::Streaming);
    assert_eq!(health.summary(), "ok");
    health.set(sym("AAPL"), FeedState::Inactive(DataRefusal::NoPermission));
    health.set(
        sym("QQQ"),
        FeedState::Retrying(Some(DataRefusal::CompetingSession)),
    );
    assert_eq!(
        health.summary(),
        "AAPL INACTIVE (no market data permission); QQQ retrying (competing live session)"
    );
    assert_eq!(
        health.inactive(),
        vec![(sym("AAPL"), DataRefusal::NoPermission)]
    );
    // A clone shares the same map (the feeds write, the session reads).
    let reader = health.clone();
    health.set(sym("QQQ"), FeedState::Streaming);
    assert_eq!(
        reader.summary(),
        "AAPL INACTIVE (no market data permission)"
    );
}

#[test]
fn the_watchdogs_market_clock_follows_the_bars_not_this_machine() {
    // Before any bar: this machine's clock shifted by the session offset.
    let offset = chrono::Duration::days(-300);
    let mut clock = MarketClock::new(offset);
    let expected = Utc::now() + offset;
    assert!((clock.now() - expected).num_seconds().abs() < 2);
    // A bar that ended at 16:00:05 New York (tws-sim's fast clock): the
    // market is closed now, whatever this machine's time says.
    let end = Utc.with_ymd_and_hms(2026, 1, 5, 21, 0, 5).unwrap();
    clock.bar_ended(end);
    let now = clock.now();
    assert!(now >= end && now - end < chrono::Duration::seconds(2));
    assert!(!watchdog_fires(now));
}

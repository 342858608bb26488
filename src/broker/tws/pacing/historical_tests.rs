//! Hand-computed checks of the historical pacing rules (times are offsets from one Instant).

use super::*;

fn req(contract: &str, end: &str) -> HistoricalRequest {
    HistoricalRequest {
        contract: contract.to_string(),
        what_to_show: "TRADES".to_string(),
        bar_size: "1 min".to_string(),
        duration: "1 D".to_string(),
        end: end.to_string(),
        regular_hours: true,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_fresh_scheduler_sends_at_once() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    assert_eq!(s.try_send(&req("SPY", ""), t0), Pacing::SendNow);
    assert_eq!(s.sent_in_window(t0), 1);
}

#[test]
fn check_alone_records_nothing() {
    let s = HistoricalScheduler::default();
    let t0 = Instant::now();
    assert_eq!(s.check(&req("SPY", ""), t0), Pacing::SendNow);
    assert_eq!(s.check(&req("SPY", ""), t0), Pacing::SendNow);
    assert_eq!(s.sent_in_window(t0), 0);
}

#[test]
fn the_61st_request_in_ten_minutes_waits_for_the_oldest_to_expire() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    // 60 different contracts, one every 5 s: t0, t0+5s, ..., t0+295s.
    for i in 0..60u64 {
        let at = t0 + secs(5 * i);
        assert_eq!(s.try_send(&req(&format!("C{i}"), ""), at), Pacing::SendNow);
    }
    let next = req("NEW", "");
    assert_eq!(
        s.try_send(&next, t0 + secs(300)),
        Pacing::WaitUntil {
            at: t0 + secs(600),
            reason: PacingReason::WindowFull
        }
    );
    // Still full a nanosecond before the first request leaves the window.
    assert!(matches!(
        s.try_send(&next, t0 + secs(600) - Duration::from_nanos(1)),
        Pacing::WaitUntil { .. }
    ));
    assert_eq!(s.try_send(&next, t0 + secs(600)), Pacing::SendNow);
    // Full again: the next slot opens when the second request (t0+5s) expires.
    assert_eq!(
        s.try_send(&req("NEWER", ""), t0 + secs(600)),
        Pacing::WaitUntil {
            at: t0 + secs(605),
            reason: PacingReason::WindowFull
        }
    );
}

#[test]
fn an_identical_request_waits_15_seconds() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    let a = req("SPY", "20240105 21:00:00 UTC");
    assert_eq!(s.try_send(&a, t0), Pacing::SendNow);
    assert_eq!(
        s.try_send(&a, t0 + secs(10)),
        Pacing::WaitUntil {
            at: t0 + secs(15),
            reason: PacingReason::Identical
        }
    );
    assert_eq!(s.try_send(&a, t0 + secs(15)), Pacing::SendNow);
}

#[test]
fn a_different_end_date_is_not_identical() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    assert_eq!(s.try_send(&req("SPY", "A"), t0), Pacing::SendNow);
    assert_eq!(s.try_send(&req("SPY", "B"), t0 + secs(1)), Pacing::SendNow);
}

#[test]
fn a_sixth_request_for_one_contract_within_2_seconds_waits() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    // Five different requests for SPY at t0, +100, +200, +300, +400 ms.
    for i in 0..5u64 {
        let r = req("SPY", &format!("end{i}"));
        assert_eq!(s.try_send(&r, t0 + ms(100 * i)), Pacing::SendNow);
    }
    let sixth = req("SPY", "end5");
    assert_eq!(
        s.try_send(&sixth, t0 + ms(500)),
        Pacing::WaitUntil {
            at: t0 + secs(2),
            reason: PacingReason::Burst
        }
    );
    // Another contract is not held back by SPY's burst.
    assert_eq!(s.try_send(&req("QQQ", "x"), t0 + ms(500)), Pacing::SendNow);
    // At t0+2s the t0 request has left the 2 s window.
    assert_eq!(s.try_send(&sixth, t0 + secs(2)), Pacing::SendNow);
    // Now t0+100ms..t0+400ms and t0+2s are in the window: five again.
    assert_eq!(
        s.try_send(&req("SPY", "end6"), t0 + secs(2)),
        Pacing::WaitUntil {
            at: t0 + ms(2100),
            reason: PacingReason::Burst
        }
    );
}

#[test]
fn another_tick_type_is_another_series() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    for i in 0..5u64 {
        assert_eq!(
            s.try_send(&req("SPY", &format!("e{i}")), t0),
            Pacing::SendNow
        );
    }
    let mut midpoint = req("SPY", "e0");
    midpoint.what_to_show = "MIDPOINT".to_string();
    assert_eq!(s.try_send(&midpoint, t0), Pacing::SendNow);
}

#[test]
fn pacing_violations_back_off_30_60_120_seconds_and_reset_on_success() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    let a = req("SPY", "");
    assert_eq!(s.pacing_violation(t0), t0 + secs(30));
    assert_eq!(
        s.try_send(&a, t0 + secs(1)),
        Pacing::WaitUntil {
            at: t0 + secs(30),
            reason: PacingReason::Backoff
        }
    );
    assert_eq!(s.pacing_violation(t0 + secs(30)), t0 + secs(90));
    assert_eq!(s.pacing_violation(t0 + secs(90)), t0 + secs(210));
    assert_eq!(s.try_send(&a, t0 + secs(210)), Pacing::SendNow);
    s.request_succeeded();
    assert_eq!(s.pacing_violation(t0 + secs(300)), t0 + secs(330));
}

#[test]
fn the_back_off_is_capped_at_ten_minutes() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    // 30, 60, 120, 240, 480, then 960 capped to 600.
    for _ in 0..5 {
        s.pacing_violation(t0);
    }
    assert_eq!(s.pacing_violation(t0), t0 + secs(600));
    assert_eq!(s.pacing_violation(t0), t0 + secs(600));
}

#[test]
fn the_rule_that_holds_longest_decides() {
    let rules = HistoricalPacingRules {
        violation_backoff: secs(5),
        ..HistoricalPacingRules::default()
    };
    let mut s = HistoricalScheduler::new(rules);
    let t0 = Instant::now();
    let a = req("SPY", "");
    assert_eq!(s.try_send(&a, t0), Pacing::SendNow);
    assert_eq!(s.pacing_violation(t0), t0 + secs(5));
    // Back-off ends at t0+5s, the identical rule at t0+15s.
    assert_eq!(
        s.check(&a, t0 + secs(1)),
        Pacing::WaitUntil {
            at: t0 + secs(15),
            reason: PacingReason::Identical
        }
    );
    // For another request only the back-off applies.
    assert_eq!(
        s.check(&req("QQQ", ""), t0 + secs(1)),
        Pacing::WaitUntil {
            at: t0 + secs(5),
            reason: PacingReason::Backoff
        }
    );
}

#[test]
fn old_requests_are_forgotten_after_the_window() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    for i in 0..60u64 {
        assert_eq!(s.try_send(&req(&format!("C{i}"), ""), t0), Pacing::SendNow);
    }
    assert_eq!(s.sent_in_window(t0 + secs(599)), 60);
    assert_eq!(s.sent_in_window(t0 + secs(600)), 0);
    assert_eq!(s.try_send(&req("C0", ""), t0 + secs(600)), Pacing::SendNow);
    assert_eq!(s.sent.len(), 1, "expired records are dropped");
}

#[test]
fn real_time_bar_requests_share_the_sixty_per_ten_minutes_window_with_history() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    // 30 historical + 30 real-time bar requests fill the window.
    for i in 0..30u64 {
        assert_eq!(
            s.try_send(&req(&format!("C{i}"), ""), t0 + secs(i)),
            Pacing::SendNow
        );
        assert_eq!(
            s.try_send_realtime("SPY STK SMART USD", t0 + secs(i)),
            Pacing::SendNow
        );
    }
    // The 61st of either kind waits until the first leaves the window (t0 + 600 s).
    let full = Pacing::WaitUntil {
        at: t0 + secs(600),
        reason: PacingReason::WindowFull,
    };
    assert_eq!(
        s.try_send_realtime("QQQ STK SMART USD", t0 + secs(100)),
        full
    );
    assert_eq!(s.try_send(&req("QQQ", ""), t0 + secs(100)), full);
    assert_eq!(
        s.try_send_realtime("QQQ STK SMART USD", t0 + secs(600)),
        Pacing::SendNow
    );
}

#[test]
fn a_real_time_bar_request_is_not_held_by_the_identical_rule_but_by_a_back_off() {
    let mut s = HistoricalScheduler::default();
    let t0 = Instant::now();
    assert_eq!(
        s.try_send_realtime("SPY STK SMART USD", t0),
        Pacing::SendNow
    );
    // The same subscription again 1 s later (a resubscribe) may go.
    assert_eq!(
        s.try_send_realtime("SPY STK SMART USD", t0 + secs(1)),
        Pacing::SendNow
    );
    // After a pacing violation (30 s back-off), it waits like history does.
    s.pacing_violation(t0 + secs(2));
    assert_eq!(
        s.try_send_realtime("SPY STK SMART USD", t0 + secs(3)),
        Pacing::WaitUntil {
            at: t0 + secs(32),
            reason: PacingReason::Backoff
        }
    );
}

use super::*;

fn t(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
}

/// `HH:MM:SS` New York on the start date (EST: UTC−5).
fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, h + 5, m, s).unwrap()
}

#[test]
fn a_symbol_without_permission_is_refused_with_ibs_code_per_request_kind() {
    let options = MarketAccess {
        no_permission: ["aapl".to_string()].into(),
        ..MarketAccess::default()
    };
    let mut access = AccessState::new(options, day());
    let now = at(9, 30, 0);
    assert_eq!(
        access.admit(DataRequest::RealTimeBars, "AAPL", "NASDAQ", now),
        Err((
            420,
            "Invalid Real-time Query:No market data permissions for NASDAQ STK".into()
        ))
    );
    assert_eq!(
        access.admit(DataRequest::History, "AAPL", "NASDAQ", now),
        Err((162, "Historical Market Data Service error message:No market data permissions for NASDAQ STK".into()))
    );
    assert_eq!(
        access.admit(DataRequest::Ticks, "AAPL", "NASDAQ", now),
        Err((354, "Requested market data is not subscribed.".into()))
    );
    assert_eq!(
        access.admit(DataRequest::RealTimeBars, "SPY", "ARCA", now),
        Ok(())
    );
    assert_eq!(access.realtime_bar_requests("AAPL"), 1);
    assert_eq!(access.realtime_bar_requests("SPY"), 1);
}

#[test]
fn a_competing_session_refuses_inside_its_window_only() {
    let options = MarketAccess {
        competing_session: Some(Window {
            from: t(9, 31, 0),
            until: t(9, 33, 0),
        }),
        ..MarketAccess::default()
    };
    let mut access = AccessState::new(options, day());
    let bars = |a: &mut AccessState, now| a.admit(DataRequest::RealTimeBars, "SPY", "ARCA", now);
    assert_eq!(bars(&mut access, at(9, 30, 59)), Ok(()));
    assert_eq!(
        bars(&mut access, at(9, 31, 0)),
        Err((10197, COMPETING_TEXT.into()))
    );
    assert_eq!(
        bars(&mut access, at(9, 32, 59)),
        Err((10197, COMPETING_TEXT.into()))
    );
    assert_eq!(bars(&mut access, at(9, 33, 0)), Ok(()));
    assert_eq!(access.due(at(9, 30, 0)), vec![]);
    assert_eq!(
        access.due(at(9, 31, 0)),
        vec![AccessEvent::CompetingStarted]
    );
    assert_eq!(access.due(at(9, 40, 0)), vec![], "each event fires once");
}

#[test]
fn the_sixty_first_new_bar_request_in_ten_minutes_is_a_pacing_violation() {
    let mut access = AccessState::new(MarketAccess::default(), day());
    for n in 0..60 {
        // One every 5 s: 60 requests in 295 s.
        let now = at(9, 30, 0) + chrono::Duration::seconds(5 * n);
        assert_eq!(
            access.admit(DataRequest::RealTimeBars, "SPY", "ARCA", now),
            Ok(()),
            "request {n}"
        );
    }
    let refused = access.admit(DataRequest::RealTimeBars, "QQQ", "NASDAQ", at(9, 39, 59));
    assert_eq!(refused, Err((420, RT_PACING_TEXT.into())));
    // The first request (09:30:00) leaves the window at 09:40:00.
    assert_eq!(
        access.admit(DataRequest::RealTimeBars, "QQQ", "NASDAQ", at(9, 40, 0)),
        Ok(())
    );
    // History and ticks do not count against the real-time-bar budget here.
    assert_eq!(
        access.admit(DataRequest::History, "SPY", "ARCA", at(9, 40, 0)),
        Ok(())
    );
}

#[test]
fn farm_outage_and_silent_stops_fire_in_time_order() {
    let options = MarketAccess {
        farm_outage: Some(Window {
            from: t(9, 35, 0),
            until: t(9, 36, 0),
        }),
        silent_stops: vec![SilentStop {
            symbol: "spy".into(),
            at: t(9, 31, 0),
        }],
        ..MarketAccess::default()
    };
    let mut access = AccessState::new(options, day());
    assert_eq!(
        access.due(at(9, 31, 30)),
        vec![AccessEvent::SilentStop("SPY".into())]
    );
    assert!(!access.farm_down(at(9, 34, 59)));
    assert!(access.farm_down(at(9, 35, 0)));
    assert!(!access.farm_down(at(9, 36, 0)));
    assert_eq!(
        access.due(at(9, 40, 0)),
        vec![AccessEvent::FarmBroken, AccessEvent::FarmOk]
    );
}

#[test]
fn a_scenario_file_sets_every_option() {
    let text = r#"
[market_data]
no_permission = ["AAPL"]
competing_session = { from = "09:31:00", until = "09:33:00" }
farm_outage = { from = "09:40:00", until = "09:41:00" }
realtime_bar_budget = 0
[[market_data.silent_stops]]
symbol = "SPY"
at = "09:35:00"
"#;
    let scenario = crate::Scenario::parse(text, std::path::Path::new(".")).unwrap();
    let mut config = crate::SimConfig::default();
    scenario.apply_to(&mut config).unwrap();
    let access = config.market_access;
    assert!(access.no_permission.contains("AAPL"));
    assert_eq!(
        access.competing_session,
        Some(Window {
            from: t(9, 31, 0),
            until: t(9, 33, 0)
        })
    );
    assert_eq!(
        access.farm_outage,
        Some(Window {
            from: t(9, 40, 0),
            until: t(9, 41, 0)
        })
    );
    assert_eq!(access.realtime_bar_budget, 0);
    assert_eq!(
        access.silent_stops,
        vec![SilentStop {
            symbol: "SPY".into(),
            at: t(9, 35, 0)
        }]
    );
    // A misspelt key is refused, naming it.
    let bad = crate::Scenario::parse(
        "[market_data]\nno_permision = [\"AAPL\"]\n",
        std::path::Path::new("."),
    );
    assert!(matches!(bad, Err(crate::SimError::Scenario(m)) if m.contains("no_permision")));
}

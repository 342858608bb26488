use super::*;

/// One row per code the bot acts on: the number as IB documents it, and what
/// the bot must make of it.
const TABLE: &[(i32, Meaning)] = &[
    (1100, Meaning::ConnectionLost),
    (1300, Meaning::ConnectionLost),
    (1101, Meaning::ConnectionRestored { data_lost: true }),
    (1102, Meaning::ConnectionRestored { data_lost: false }),
    (-8, Meaning::ConnectionRestored { data_lost: true }),
    (2103, Meaning::FarmBroken),
    (2105, Meaning::FarmBroken),
    (2157, Meaning::FarmBroken),
    (2104, Meaning::FarmOk),
    (2106, Meaning::FarmOk),
    (2107, Meaning::FarmOk),
    (2108, Meaning::FarmOk),
    (2158, Meaning::FarmOk),
    (202, Meaning::OrderCancelled),
    (103, Meaning::OrderRejected),
    (104, Meaning::OrderRejected),
    (105, Meaning::OrderRejected),
    (110, Meaning::OrderRejected),
    (135, Meaning::OrderRejected),
    (161, Meaning::CancelFailed),
    (200, Meaning::OrderRejected),
    (201, Meaning::OrderRejected),
    (203, Meaning::OrderRejected),
    (321, Meaning::OrderRejected),
    (10147, Meaning::CancelFailed),
    (10148, Meaning::CancelFailed),
    (399, Meaning::OrderWarning),
    (2109, Meaning::OrderWarning),
    (2110, Meaning::ServerLinkBroken),
    (162, Meaning::Other),
    (0, Meaning::Other),
];

#[test]
fn every_documented_code_has_its_meaning() {
    for &(code, expected) in TABLE {
        assert_eq!(meaning(code), expected, "code {code}");
    }
}

#[test]
fn the_named_constants_are_ibs_numbers() {
    assert_eq!(
        [
            CONNECTIVITY_LOST,
            RESTORED_DATA_LOST,
            RESTORED_DATA_KEPT,
            SOCKET_PORT_RESET
        ],
        [1100, 1101, 1102, 1300]
    );
    assert_eq!(
        [ORDER_REJECTED, ORDER_CANCELLED, ORDER_WARNING],
        [201, 202, 399]
    );
    assert_eq!([CANCEL_NOT_FOUND, CANCEL_REFUSED], [10147, 10148]);
    assert_eq!(HISTORICAL_SERVICE_ERROR, 162);
}

#[test]
fn a_refused_cancel_is_final_only_for_an_order_already_done() {
    let text = |state: &str| {
        format!("OrderId 7 that needs to be cancelled cannot be cancelled, state: {state}.")
    };
    assert!(cancel_refusal_is_final(10148, &text("Cancelled")));
    assert!(cancel_refusal_is_final(10148, &text("Filled")));
    assert!(!cancel_refusal_is_final(10148, &text("PendingCancel")));
    assert!(!cancel_refusal_is_final(10148, &text("Submitted")));
    assert!(!cancel_refusal_is_final(10148, "no state given"));
    assert!(!cancel_refusal_is_final(
        161,
        "Cancel attempted when order is not in a cancellable state. Order permId = 5"
    ));
}

#[test]
fn read_only_refusal_is_told_apart_by_the_321_text() {
    let tws = "Error validating request.-'bL' : cause - The API interface is currently in Read-Only mode.";
    assert!(is_read_only_refusal(321, tws));
    assert!(is_read_only_refusal(321, &tws.replace("'bL'", "'bN'")));
    // Another 321 is an ordinary refusal; another code with the words is not this.
    assert!(!is_read_only_refusal(
        321,
        "Error validating request: unknown account"
    ));
    assert!(!is_read_only_refusal(201, tws));
    assert_eq!(meaning(321), Meaning::OrderRejected);
}

#[test]
fn market_data_errors_are_classified_by_code_and_ibs_text() {
    use DataRefusal::*;
    // (code, IB's text, refusal, permanent)
    let table: &[(i32, &str, Option<DataRefusal>, bool)] = &[
        (
            200,
            "No security definition has been found for the request",
            Some(UnknownSymbol),
            true,
        ),
        (
            354,
            "Requested market data is not subscribed.",
            Some(NoPermission),
            true,
        ),
        (
            420,
            "Invalid Real-time Query:No market data permissions for NYSE STK",
            Some(NoPermission),
            true,
        ),
        (
            420,
            "Invalid Real-time Query:Historical data request pacing violation",
            Some(Pacing),
            false,
        ),
        (
            162,
            "Historical Market Data Service error message:No market data permissions for NYSE STK",
            Some(NoPermission),
            true,
        ),
        (
            162,
            "Historical Market Data Service error message:Historical data request pacing violation",
            Some(Pacing),
            false,
        ),
        (
            162,
            "Historical Market Data Service error message:HMDS query returned no data",
            None,
            false,
        ),
        (
            10168,
            "Requested market data is not subscribed. Delayed market data is not enabled.",
            Some(DelayedNotEnabled),
            true,
        ),
        (
            10197,
            "No market data during competing live session",
            Some(CompetingSession),
            false,
        ),
        (
            10182,
            "Failed to request live updates (disconnected).",
            Some(FarmDown),
            false,
        ),
        (
            2103,
            "Market data farm connection is broken:usfarm",
            Some(FarmDown),
            false,
        ),
        (
            2105,
            "HMDS data farm connection is broken:ushmds",
            Some(FarmDown),
            false,
        ),
        (
            2104,
            "Market data farm connection is OK:usfarm",
            None,
            false,
        ),
        (201, "Order rejected - reason: no permissions", None, false),
    ];
    for &(code, text, expected, permanent) in table {
        let found = market_data_refusal(code, text);
        assert_eq!(found, expected, "{code} {text}");
        assert_eq!(
            found.is_some_and(DataRefusal::is_permanent),
            permanent,
            "{code} {text}"
        );
    }
    assert_eq!(
        [
            MARKET_DATA_NOT_SUBSCRIBED,
            INVALID_REALTIME_QUERY,
            DELAYED_NOT_ENABLED,
            LIVE_UPDATES_FAILED,
            COMPETING_LIVE_SESSION
        ],
        [354, 420, 10168, 10182, 10197]
    );
}

#[test]
fn every_permanent_refusal_names_what_to_change() {
    assert!(DataRefusal::UnknownSymbol.fix().contains("fix the symbol"));
    assert!(DataRefusal::NoPermission.fix().contains("subscribe"));
    assert!(DataRefusal::NoPermission
        .fix()
        .contains("market-data sharing"));
    assert!(DataRefusal::DelayedNotEnabled
        .fix()
        .contains("market-data sharing"));
    assert!(DataRefusal::CompetingSession
        .fix()
        .contains("retries by itself"));
}

#[test]
fn only_a_data_farm_ok_restores_the_server_link_after_2110() {
    assert!(restores_server_link(2104));
    assert!(restores_server_link(2106));
    for code in [2107, 2108, 2158, 1102, 2110] {
        assert!(!restores_server_link(code), "{code}");
    }
    assert_eq!(SERVER_LINK_BROKEN, 2110);
}

#[test]
fn a_399_that_holds_the_order_until_the_open_names_the_time() {
    // (case, code, text, parked until)
    let rows = [
        (
            "TWS's older text",
            399,
            "Order Message:\nSELL 10 SPY ARCA\nWarning: your order will not be placed at the exchange until 2026-01-06 09:30:00 US/Eastern",
            Some("2026-01-06 09:30:00 US/Eastern"),
        ),
        (
            "newer text: capital Y, a period",
            399,
            "Order Message: BUY 1 CYCU NASDAQ.NMS Warning: Your order will not be placed at the exchange until 2026-07-31 09:30:00 US/Eastern.",
            Some("2026-07-31 09:30:00 US/Eastern"),
        ),
        ("another 399 warning", 399, "Order Message:\nBUY 1 SPY\nWarning: your order size is large", None),
        ("the text under another code", 2109, "will not be placed at the exchange until 2026-01-06", None),
        ("no time after it", 399, "will not be placed at the exchange until ", None),
    ];
    for (case, code, text, until) in rows {
        assert_eq!(parked_until(code, text), until, "{case}");
    }
}

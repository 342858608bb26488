//! Table-driven tests of [`decide_mode`] over every combination of its inputs.

use super::*;

/// The ports of the table, in column order.
const PORTS: [Option<u16>; 6] = [
    None,
    Some(7497),
    Some(4002),
    Some(7496),
    Some(4001),
    Some(5555),
];

/// Hand-written expectations: one row per (IBKR_PAPER_TRADING, --live,
/// account); one letter per port of [`PORTS`]: `P` paper, `L` live, `X` refused.
/// Derived from the rule "live only when all four settings say live, paper when
/// none does", worked out by hand per row.
const TABLE: [(Option<bool>, bool, Option<&str>, &str); 18] = [
    (None, false, Some("DU1234567"), "PPPXXP"),
    (None, false, Some("U1234567"), "XXXXXX"),
    (None, false, None, "PPPXXP"),
    (None, true, Some("DU1234567"), "XXXXXX"),
    (None, true, Some("U1234567"), "XXXXXX"),
    (None, true, None, "XXXXXX"),
    (Some(true), false, Some("DU1234567"), "PPPXXP"),
    (Some(true), false, Some("U1234567"), "XXXXXX"),
    (Some(true), false, None, "PPPXXP"),
    (Some(true), true, Some("DU1234567"), "XXXXXX"),
    (Some(true), true, Some("U1234567"), "XXXXXX"),
    (Some(true), true, None, "XXXXXX"),
    (Some(false), false, Some("DU1234567"), "XXXXXX"),
    (Some(false), false, Some("U1234567"), "XXXXXX"),
    (Some(false), false, None, "XXXXXX"),
    (Some(false), true, Some("DU1234567"), "XXXXXX"),
    (Some(false), true, Some("U1234567"), "LXXLLL"),
    (Some(false), true, None, "XXXXXX"),
];

fn decide(
    paper: Option<bool>,
    live: bool,
    port: Option<u16>,
    account: Option<&AccountId>,
) -> Result<TradingMode, ModeConflict> {
    decide_mode(&ModeInputs {
        paper_trading: paper,
        live_flag: live,
        port,
        port_setting: "IBKR_PORT",
        account,
    })
}

#[test]
fn every_combination_matches_the_table() {
    let mut checked = 0;
    for (paper, live, account, expected) in TABLE {
        let account = account.map(|a| AccountId::parse(a).unwrap());
        for (port, want) in PORTS.iter().zip(expected.chars()) {
            let got = decide(paper, live, *port, account.as_ref());
            let case = format!("paper={paper:?} live={live} port={port:?} account={account:?}");
            match want {
                'P' => assert_eq!(got, Ok(TradingMode::Paper), "{case}"),
                'L' => assert_eq!(got, Ok(TradingMode::Live), "{case}"),
                _ => {
                    let conflict = got.expect_err(&case);
                    assert!(
                        !conflict.live.is_empty() && !conflict.paper.is_empty(),
                        "{case}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 2 * 6 * 3);
}

#[test]
fn default_port_follows_the_mode() {
    assert_eq!(TradingMode::Paper.default_port(), 7497);
    assert_eq!(TradingMode::Live.default_port(), 7496);
}

#[test]
fn live_flag_alone_names_the_paper_variable_and_the_paper_account() {
    let account = AccountId::parse("DU1234567").unwrap();
    let conflict = decide(None, true, None, Some(&account)).unwrap_err();
    assert_eq!(conflict.live, vec![ModeSignal::LiveFlag]);
    assert_eq!(
        conflict.paper,
        vec![
            ModeSignal::PaperTradingTrue { explicit: false },
            ModeSignal::PaperAccount {
                masked: "DU****567".into()
            },
        ]
    );
    let text = conflict.to_string();
    assert!(text.contains("asking for live:  --live"), "{text}");
    assert!(
        text.contains("IBKR_PAPER_TRADING unset (defaults to true)"),
        "{text}"
    );
    assert!(
        text.contains("to trade paper: run without --live"),
        "{text}"
    );
    assert!(
        text.contains("to trade live:  set IBKR_PAPER_TRADING=false; set IBKR_ACCOUNT_ID to your live account"),
        "{text}"
    );
    assert!(!text.contains("DU1234567"), "account leaked: {text}");
}

#[test]
fn live_port_in_paper_mode_is_named_with_its_setting() {
    let conflict = decide(Some(true), false, Some(4001), None).unwrap_err();
    assert_eq!(
        conflict.live,
        vec![ModeSignal::LivePort {
            port: 4001,
            setting: "IBKR_PORT".into()
        }]
    );
    assert_eq!(
        conflict.paper,
        vec![
            ModeSignal::PaperTradingTrue { explicit: true },
            ModeSignal::NoLiveFlag,
            ModeSignal::MissingAccount,
        ]
    );
    assert!(conflict.to_string().contains(
        "to trade paper: set IBKR_PORT to 7497 (TWS paper) or 4002 (Gateway paper), or remove it"
    ));
}

#[test]
fn live_everything_but_a_paper_port() {
    let account = AccountId::parse("U7654321").unwrap();
    let conflict = decide(Some(false), true, Some(7497), Some(&account)).unwrap_err();
    assert_eq!(
        conflict.paper,
        vec![ModeSignal::PaperPort {
            port: 7497,
            setting: "IBKR_PORT".into()
        }]
    );
    assert_eq!(conflict.live.len(), 3);
    assert!(conflict.to_string().contains("U7****321"));
}

#[test]
fn live_account_alone_is_refused_not_silently_paper() {
    let account = AccountId::parse("U7654321").unwrap();
    let conflict = decide(None, false, None, Some(&account)).unwrap_err();
    assert_eq!(
        conflict.live,
        vec![ModeSignal::LiveAccount {
            masked: "U7****321".into()
        }]
    );
}

#[test]
fn ports_are_classified_by_ib_defaults() {
    assert_eq!(classify_port(7497), PortKind::Paper);
    assert_eq!(classify_port(4002), PortKind::Paper);
    assert_eq!(classify_port(7496), PortKind::Live);
    assert_eq!(classify_port(4001), PortKind::Live);
    assert_eq!(classify_port(7498), PortKind::Other);
}

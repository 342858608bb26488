use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::domain::types::{IntentPurpose, OrderIntent, Side, Symbol};
use crate::strategy::harness::Harness;
use crate::strategy::registry::Registry;

fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

fn harness(params: &str) -> Harness {
    let text = format!(
        "kind = \"donchian_breakout\"\nsymbols = [\"SPY\"]\nbar_size = \"1 hour\"\n[sizing]\nfixed_quantity = 7\n[params]\nentry = 3\nexit = 2\n{params}\n"
    );
    Harness::from_toml(
        &Registry::with_builtins(),
        "donchian.toml",
        &text,
        dec!(100000),
    )
    .unwrap()
}

/// Feeds (high, low, close) bars; returns (bar index, intent) pairs.
fn feed(h: &mut Harness, bars: &[(Decimal, Decimal, Decimal)]) -> Vec<(usize, OrderIntent)> {
    let mut all = Vec::new();
    for (i, &(high, low, close)) in bars.iter().enumerate() {
        all.extend(
            h.bar(spy(), close, high, low, close)
                .into_iter()
                .map(|o| (i, o)),
        );
    }
    all
}

fn summary(intents: &[(usize, OrderIntent)]) -> Vec<(usize, Side, Decimal, IntentPurpose)> {
    intents
        .iter()
        .map(|(i, o)| (*i, o.side, o.quantity, o.purpose))
        .collect()
}

// entry = 3, exit = 2; channels are of the bars *before* the current one.
// bar  high  low  close   entry channel (3 bars before)        exit channel (2 bars before)
//  0    10    8     9      –                                    –
//  1    11    9    10      –                                    –
//  2    10    8     9      –                                    high 11, low 8
//  3    12   10   11.5     high 11, low 8: 11.5 > 11 → BUY       high 11, low 8
//  4    13   11   12.5     high 12: same breakout, already long  low 8: hold
//  5    12  10.5   11      high 13: back inside (re-arms)        low 10: hold
//  6    11   9.5   10      high 13, low 10                       low 10.5: 10 < 10.5 → SELL
//  7    10    8    8.5     low min(11, 10.5, 9.5) = 9.5: 8.5 < 9.5 → short breakout
fn bars() -> Vec<(Decimal, Decimal, Decimal)> {
    vec![
        (dec!(10), dec!(8), dec!(9)),
        (dec!(11), dec!(9), dec!(10)),
        (dec!(10), dec!(8), dec!(9)),
        (dec!(12), dec!(10), dec!(11.5)),
        (dec!(13), dec!(11), dec!(12.5)),
        (dec!(12), dec!(10.5), dec!(11)),
        (dec!(11), dec!(9.5), dec!(10)),
        (dec!(10), dec!(8), dec!(8.5)),
    ]
}

#[test]
fn buys_the_upside_breakout_and_exits_below_the_exit_channel() {
    let mut h = harness("");
    let all = bars();
    let entry = feed(&mut h, &all[..4]);
    assert_eq!(
        summary(&entry),
        vec![(3, Side::Buy, dec!(7), IntentPurpose::Entry)]
    );
    h.fill(&entry[0].1, dec!(11.5));
    let rest = feed(&mut h, &all[4..]);
    // Relative index 2 = bar 6. Long-only: the downside breakout of bar 7 does nothing.
    assert_eq!(
        summary(&rest),
        vec![(2, Side::Sell, dec!(7), IntentPurpose::Exit)]
    );
}

#[test]
fn allow_short_sells_the_downside_breakout() {
    let mut h = harness("allow_short = true");
    let all = bars();
    let entry = feed(&mut h, &all[..4]);
    h.fill(&entry[0].1, dec!(11.5));
    let exit = feed(&mut h, &all[4..7]);
    assert_eq!(
        summary(&exit),
        vec![(2, Side::Sell, dec!(7), IntentPurpose::Exit)]
    );
    h.fill(&exit[0].1, dec!(10));
    let short = feed(&mut h, &all[7..]);
    assert_eq!(
        summary(&short),
        vec![(0, Side::Sell, dec!(7), IntentPurpose::Entry)]
    );
    h.fill(&short[0].1, dec!(8.5));
    assert_eq!(h.position(spy()), dec!(-7));
    // Exit channel before the next bar: bars 6–7, high 11. A close of 11.25 covers.
    let cover = feed(&mut h, &[(dec!(11.5), dec!(9), dec!(11.25))]);
    assert_eq!(
        summary(&cover),
        vec![(0, Side::Buy, dec!(7), IntentPurpose::Exit)]
    );
}

#[test]
fn a_refused_entry_is_not_resent_during_the_same_breakout() {
    let mut h = harness("");
    let all = bars();
    let entry = feed(&mut h, &all[..4]);
    h.reject(&entry[0].1, "symbol not in allowed_symbols");
    // Bar 4 still breaks out (12.5 > 12) but it is the same breakout; bar 5 re-arms.
    assert!(feed(&mut h, &all[4..6]).is_empty());
    // A new breakout: channel of bars 3–5 has high 13; 13.5 > 13.
    let again = feed(&mut h, &[(dec!(14), dec!(12), dec!(13.5))]);
    assert_eq!(
        summary(&again),
        vec![(0, Side::Buy, dec!(7), IntentPurpose::Entry)]
    );
    assert_eq!(h.strategy().warmup_bars(), 3);
}

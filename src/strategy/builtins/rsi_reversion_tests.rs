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
        "kind = \"rsi_reversion\"\nsymbols = [\"SPY\"]\nbar_size = \"1 day\"\n[sizing]\nfixed_quantity = 5\n[params]\nperiod = 2\n{params}\n"
    );
    Harness::from_toml(&Registry::with_builtins(), "rsi.toml", &text, dec!(100000)).unwrap()
}

fn feed(h: &mut Harness, closes: &[i64]) -> Vec<(usize, Side, Decimal, IntentPurpose)> {
    let closes: Vec<Decimal> = closes.iter().map(|&c| Decimal::from(c)).collect();
    h.closes(spy(), &closes)
        .into_iter()
        .map(|(i, o)| (i, o.side, o.quantity, o.purpose))
        .collect()
}

fn only(h: &mut Harness, closes: &[i64]) -> OrderIntent {
    let closes: Vec<Decimal> = closes.iter().map(|&c| Decimal::from(c)).collect();
    let intents = h.closes(spy(), &closes);
    assert_eq!(intents.len(), 1, "{intents:?}");
    intents[0].1
}

// Period 2, thresholds 30 / 50 / 70. Wilder averages by hand:
// 10 → 12 (+2) → 11 (−1): seed gain (2+0)/2 = 1, loss (0+1)/2 = 0.5        RSI 66.7
// → 14 (+3): gain (1+3)/2 = 2, loss 0.5/2 = 0.25                          RSI 88.9
// → 10 (−4): gain 2/2 = 1, loss (0.25+4)/2 = 2.125                        RSI 32
// → 8 (−2): gain 1/2 = 0.5, loss (2.125+2)/2 = 2.0625; 50/2.5625        = RSI 19.5 (< 30: buy)
const DIP: [i64; 6] = [10, 12, 11, 14, 10, 8];

#[test]
fn buys_below_oversold_and_exits_above_the_exit_level() {
    let mut h = harness("");
    let entry = only(&mut h, &DIP);
    assert_eq!(
        (entry.side, entry.quantity, entry.purpose),
        (Side::Buy, dec!(5), IntentPurpose::Entry)
    );
    h.fill(&entry, dec!(8));
    // → 9 (+1): gain (0.5+1)/2 = 0.75, loss 2.0625/2 = 1.03125; 75/1.78125  = RSI 42.1 (hold)
    // → 11 (+2): gain (0.75+2)/2 = 1.375, loss 0.515625; 137.5/1.890625     = RSI 72.7 (> 50: exit)
    assert_eq!(
        feed(&mut h, &[9, 11]),
        vec![(1, Side::Sell, dec!(5), IntentPurpose::Exit)]
    );
}

#[test]
fn allow_short_sells_overbought_and_covers_below_the_exit_level() {
    let mut h = harness("allow_short = true");
    // RSI 88.9 > 70 on the close of 14 (bar 3): sell short.
    let short = only(&mut h, &DIP[..4]);
    assert_eq!(
        (short.side, short.quantity, short.purpose),
        (Side::Sell, dec!(5), IntentPurpose::Entry)
    );
    h.fill(&short, dec!(14));
    assert_eq!(h.position(spy()), dec!(-5));
    // RSI 32 < 50 on the close of 10: cover.
    assert_eq!(
        feed(&mut h, &DIP[4..5]),
        vec![(0, Side::Buy, dec!(5), IntentPurpose::Exit)]
    );
    let cover = OrderIntent {
        side: Side::Buy,
        purpose: IntentPurpose::Exit,
        ..short
    };
    h.fill(&cover, dec!(10));
    // RSI 19.5 < 30 on the close of 8: flat again, so buy.
    assert_eq!(
        feed(&mut h, &DIP[5..]),
        vec![(0, Side::Buy, dec!(5), IntentPurpose::Entry)]
    );
}

#[test]
fn a_refused_entry_waits_for_the_next_dip() {
    let mut h = harness("");
    let entry = only(&mut h, &DIP);
    h.reject(&entry, "position 2000 > limit 1500");
    // → 7 (−1): gain 0.5/2 = 0.25, loss (2.0625+1)/2 = 1.53125; 25/1.78125  = RSI 14.0: still
    //   oversold, but the same dip: nothing is resent.
    // → 9 (+2): gain (0.25+2)/2 = 1.125, loss 0.765625; 112.5/1.890625      = RSI 59.5: re-armed
    // → 6 (−3): gain 0.5625, loss (0.765625+3)/2 = 1.8828125; 56.25/2.4453125 = RSI 23.0: buy
    assert_eq!(
        feed(&mut h, &[7, 9, 6]),
        vec![(2, Side::Buy, dec!(5), IntentPurpose::Entry)]
    );
}

#[test]
fn custom_thresholds_move_the_signal() {
    // oversold 15: RSI 19.5 is no longer low enough; 14.0 on the next bar is.
    let mut h = harness("oversold = 15\nexit = 40\noverbought = 90");
    assert!(feed(&mut h, &DIP).is_empty());
    assert_eq!(
        feed(&mut h, &[7]),
        vec![(0, Side::Buy, dec!(5), IntentPurpose::Entry)]
    );
    assert_eq!(h.strategy().warmup_bars(), 3);
}

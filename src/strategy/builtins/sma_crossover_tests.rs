use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::domain::types::{IntentPurpose, OrderIntent, Quote, Side, StrategyId};
use crate::strategy::harness::Harness;
use crate::strategy::registry::Registry;

fn spy() -> Symbol {
    Symbol::new("SPY").unwrap()
}

fn harness(extra: &str) -> Harness {
    let text = format!(
        "kind = \"sma_crossover\"\nsymbols = [\"SPY\"]\nbar_size = \"1 day\"\n{extra}\n[params]\nfast = 2\nslow = 4\n"
    );
    let text = if extra.contains("[sizing]") {
        text
    } else {
        text.replace("[params]", "[sizing]\nfixed_quantity = 10\n[params]")
    };
    Harness::from_toml(&Registry::with_builtins(), "sma.toml", &text, dec!(1000)).unwrap()
}

fn closes(values: &[i64]) -> Vec<Decimal> {
    values.iter().map(|&v| Decimal::from(v)).collect()
}

/// fast = 2, slow = 4, closes by bar index:
///  3: 7  → fast (8+7)/2 = 7.5  < slow (10+9+8+7)/4 = 8.5   (first sign: −, not a cross)
///  4: 8  → fast 7.5  < slow (9+8+7+8)/4 = 8
///  5: 10 → fast 9    > slow (8+7+8+10)/4 = 8.25            cross up
///  6: 12 → fast 11   > slow 9.25;  7: 11 → fast 11.5 > slow 10.25
///  8: 9  → fast 10   < slow (10+12+11+9)/4 = 10.5          cross down
///  9: 7  → 8 < 9.75; 10: 6 → 6.5 < 8.25; 11: 9 → 7.5 < (9+7+6+9)/4 = 7.75
/// 12: 12 → fast 10.5 > slow (7+6+9+12)/4 = 8.5             cross up
const SEQUENCE: [i64; 13] = [10, 9, 8, 7, 8, 10, 12, 11, 9, 7, 6, 9, 12];

fn summary(intents: &[(usize, OrderIntent)]) -> Vec<(usize, Side, Decimal, IntentPurpose)> {
    intents
        .iter()
        .map(|(i, o)| (*i, o.side, o.quantity, o.purpose))
        .collect()
}

#[test]
fn long_only_enters_on_cross_up_and_exits_on_cross_down() {
    let mut h = harness("");
    let first = h.closes(spy(), &closes(&SEQUENCE[..6]));
    assert_eq!(
        summary(&first),
        vec![(5, Side::Buy, dec!(10), IntentPurpose::Entry)]
    );
    assert_eq!(first[0].1.strategy, StrategyId(0));
    h.fill(&first[0].1, dec!(10));
    assert_eq!(h.position(spy()), dec!(10));
    let exit = h.closes(spy(), &closes(&SEQUENCE[6..9]));
    // Relative index 2 = bar 8.
    assert_eq!(
        summary(&exit),
        vec![(2, Side::Sell, dec!(10), IntentPurpose::Exit)]
    );
    h.fill(&exit[0].1, dec!(9));
    assert_eq!(h.position(spy()), dec!(0));
    let again = h.closes(spy(), &closes(&SEQUENCE[9..]));
    // Relative index 3 = bar 12.
    assert_eq!(
        summary(&again),
        vec![(3, Side::Buy, dec!(10), IntentPurpose::Entry)]
    );
}

#[test]
fn allow_short_flips_on_cross_down() {
    let mut h = harness("");
    let text = "kind = \"sma_crossover\"\nsymbols = [\"SPY\"]\nbar_size = \"1 day\"\n[sizing]\nfixed_quantity = 10\n[params]\nfast = 2\nslow = 4\nallow_short = true\n";
    let mut short =
        Harness::from_toml(&Registry::with_builtins(), "sma.toml", text, dec!(1000)).unwrap();
    for h in [&mut h, &mut short] {
        let entry = h.closes(spy(), &closes(&SEQUENCE[..6]));
        h.fill(&entry[0].1, dec!(10));
    }
    let long_only = h.closes(spy(), &closes(&SEQUENCE[6..9]));
    assert_eq!(
        summary(&long_only),
        vec![(2, Side::Sell, dec!(10), IntentPurpose::Exit)]
    );
    let flipped = short.closes(spy(), &closes(&SEQUENCE[6..9]));
    assert_eq!(
        summary(&flipped),
        vec![
            (2, Side::Sell, dec!(10), IntentPurpose::Exit),
            (2, Side::Sell, dec!(10), IntentPurpose::Entry)
        ]
    );
    let orders: Vec<OrderIntent> = flipped.iter().map(|(_, o)| *o).collect();
    short.fill_all(&orders, dec!(9));
    assert_eq!(short.position(spy()), dec!(-10));
}

#[test]
fn fraction_of_equity_sizes_from_equity_and_close() {
    let mut h = harness("[sizing]\nfraction_of_equity = 0.5");
    h.set_equity(dec!(1000));
    // Cross up on bar 5 at close 10: floor(1000 × 0.5 / 10) = 50 shares.
    let entry = h.closes(spy(), &closes(&SEQUENCE[..6]));
    assert_eq!(
        summary(&entry),
        vec![(5, Side::Buy, dec!(50), IntentPurpose::Entry)]
    );
}

#[test]
fn a_working_entry_blocks_the_next_until_rejected() {
    let mut h = harness("");
    let entry = h.closes(spy(), &closes(&SEQUENCE[..6]));
    // Never filled: the cross down has nothing to exit, and the next cross up
    // sends nothing while the first entry still works.
    assert!(h.closes(spy(), &closes(&SEQUENCE[6..])).is_empty());
    // Once the gate refuses it, the strategy may enter again on the next cross up.
    h.reject(&entry[0].1, "order notional 100 > max 50");
    // The window now holds closes 7 6 9 12 (slow) and 9 12 (fast), sign +.
    //  11 → fast (12+11)/2 = 11.5 > slow (6+9+12+11)/4 = 9.5      (+, no cross)
    //   9 → fast (11+9)/2 = 10    < slow (9+12+11+9)/4 = 10.25    (cross down; flat: nothing)
    //  12 → fast (9+12)/2 = 10.5  < slow (12+11+9+12)/4 = 11      (−)
    assert!(h.closes(spy(), &closes(&[11, 9, 12])).is_empty());
    //  14 → fast (12+14)/2 = 13   > slow (11+9+12+14)/4 = 11.5    (cross up)
    let up = h.closes(spy(), &closes(&[14]));
    assert_eq!(
        summary(&up),
        vec![(0, Side::Buy, dec!(10), IntentPurpose::Entry)]
    );
}

#[test]
fn equal_averages_keep_the_previous_side() {
    let text = "kind = \"sma_crossover\"\nsymbols = [\"SPY\"]\nbar_size = \"1 hour\"\n[sizing]\nfixed_quantity = 1\n[params]\nfast = 1\nslow = 2\n";
    let mut h =
        Harness::from_toml(&Registry::with_builtins(), "sma.toml", text, dec!(1000)).unwrap();
    // 10, 9 → fast 9 < slow 9.5 (−); 9 → fast 9 = slow 9 (keep −); 10 → fast 10 > slow 9.5: cross up
    let intents = h.closes(spy(), &closes(&[10, 9, 9, 10]));
    assert_eq!(
        summary(&intents),
        vec![(3, Side::Buy, dec!(1), IntentPurpose::Entry)]
    );
    assert_eq!(h.strategy().bar_seconds(), 3600);
}

#[test]
fn warm_up_primes_the_averages_without_trading() {
    let params = SmaCrossoverParams {
        fast: 2,
        slow: 4,
        allow_short: false,
    };
    let mut strategy =
        SmaCrossover::new(&[spy()], 86_400, Sizing::FixedQuantity(dec!(3)), params).unwrap();
    assert_eq!(strategy.warmup_bars(), 4);
    for (i, close) in closes(&SEQUENCE[..5]).into_iter().enumerate() {
        strategy.warm_up(&Bar {
            symbol: spy(),
            start: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(i as i64),
            seconds: 86_400,
            open: close,
            high: close,
            low: close,
            close,
            volume: dec!(1),
        });
    }
    // The next bar (close 10) is bar 5 of SEQUENCE: the cross up.
    let mut warmed = Harness::new(Box::new(strategy), StrategyId(4), dec!(1000));
    let intents = warmed.close(spy(), dec!(10));
    assert_eq!(intents.len(), 1);
    assert_eq!(
        (intents[0].side, intents[0].quantity, intents[0].strategy),
        (Side::Buy, dec!(3), StrategyId(4))
    );
}

#[test]
fn quotes_and_other_symbols_are_ignored() {
    let mut h = harness("");
    let qqq = Symbol::new("QQQ").unwrap();
    assert!(h.closes(qqq, &closes(&SEQUENCE)).is_empty());
    let quote = MarketEvent::Quote(Quote {
        symbol: spy(),
        time: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        bid: dec!(1),
        ask: dec!(2),
        bid_size: dec!(1),
        ask_size: dec!(1),
    });
    assert!(h.event(&quote).is_empty());
}

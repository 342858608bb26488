//! A complete small strategy written the way a user would write one. The
//! guide in `README.md` ("Write your own strategy") quotes the part between the
//! `guide:` markers verbatim, and a test below checks that it still does — so
//! neither the code nor the guide can rot.

// guide:start
use rust_decimal::Decimal;

use crate::domain::types::{IntentPurpose, MarketEvent, OrderIntent, Side, Symbol};
use crate::strategy::indicators::Sma;
use crate::strategy::{
    Intents, OrderOutcome, Params, RejectedBy, Sizing, Strategy, StrategyContext,
};

/// Long while the close is above its `period`-bar simple moving average:
/// buys when a close crosses above the average, sells when one crosses below.
pub struct AboveAverage {
    symbols: Vec<Symbol>,
    bar_seconds: u32,
    sizing: Sizing,
    /// One average per symbol, allocated up front: no allocation per bar.
    averages: Vec<Sma>,
    /// Per symbol: was the last close above its average? (`None` while warming up.)
    above: Vec<Option<bool>>,
}

/// The constructor the registry calls with the strategy file's `[params]`.
/// Read every parameter first (each getter records its own problem), then
/// give up with `None` if any was missing or invalid.
pub fn build(params: &mut Params<'_>) -> Option<Box<dyn Strategy>> {
    let period = params.period("period", None)?;
    let file = params.file();
    let averages = file
        .symbols
        .iter()
        .map(|_| Sma::new(period).ok())
        .collect::<Option<Vec<_>>>()?;
    Some(Box::new(AboveAverage {
        symbols: file.symbols.clone(),
        bar_seconds: file.bar_seconds,
        sizing: file.sizing,
        averages,
        above: vec![None; file.symbols.len()],
    }))
}

impl Strategy for AboveAverage {
    fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    fn bar_seconds(&self) -> u32 {
        self.bar_seconds
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &StrategyContext<'_>, out: &mut Intents) {
        let MarketEvent::Bar(bar) = event else { return }; // ignore quotes and trades
        let Some(i) = self.symbols.iter().position(|&s| s == bar.symbol) else {
            return;
        };
        let Some(average) = self.averages[i].update(bar.close) else {
            return;
        }; // warming up
        let above = bar.close > average;
        if self.above[i].replace(above) != Some(!above) {
            return; // no cross on this bar
        }
        let position = ctx.position(bar.symbol);
        if above && position.is_zero() {
            let quantity = self.sizing.quantity(ctx.equity(), bar.close);
            if quantity > Decimal::ZERO {
                // A full buffer drops the intent; the engine counts it.
                let _ = out.push(ctx.market_order(
                    bar.symbol,
                    Side::Buy,
                    quantity,
                    IntentPurpose::Entry,
                ));
            }
        } else if !above && position > Decimal::ZERO {
            let _ =
                out.push(ctx.market_order(bar.symbol, Side::Sell, position, IntentPurpose::Exit));
        }
    }

    fn on_order_outcome(
        &mut self,
        outcome: &OrderOutcome<'_>,
        _ctx: &StrategyContext<'_>,
        out: &mut Intents,
    ) {
        // The risk gate refused an entry (`reason` names the limit, e.g. the
        // position size): ask again for half as much, down to one share.
        if let OrderOutcome::Rejected {
            intent,
            by: RejectedBy::RiskGate,
            reason: _,
        } = *outcome
        {
            let half = (intent.quantity / Decimal::TWO).floor();
            if intent.purpose == IntentPurpose::Entry && half >= Decimal::ONE {
                let _ = out.push(OrderIntent {
                    quantity: half,
                    ..*intent
                });
            }
        }
    }
}
// guide:end

#[cfg(test)]
mod tests {
    // guide-test:start
    use rust_decimal_macros::dec;

    use crate::domain::types::{IntentPurpose, Side, Symbol};
    use crate::strategy::{Harness, Registry};

    const FILE: &str = r#"
kind = "above_average"
symbols = ["SPY"]
bar_size = "1 day"
[sizing]
fixed_quantity = 10
[params]
period = 3
"#;

    #[test]
    fn buys_the_cross_above_and_halves_a_refused_entry() {
        let mut registry = Registry::with_builtins();
        registry.register("above_average", super::build).unwrap();
        let mut h = Harness::from_toml(&registry, "above.toml", FILE, dec!(100000)).unwrap();
        let spy = Symbol::new("SPY").unwrap();

        // Averages of 3 closes: (10+9+8)/3 = 9 (8 is below: first reading, no cross),
        // then (9+8+11)/3 = 9.33…: 11 is above → cross up → buy 10.
        assert!(h.closes(spy, &[dec!(10), dec!(9), dec!(8)]).is_empty());
        let entry = h.close(spy, dec!(11));
        assert_eq!(entry.len(), 1);
        assert_eq!((entry[0].side, entry[0].quantity), (Side::Buy, dec!(10)));

        // The gate refuses it and says why; the strategy asks for 5 instead.
        let retry = h.reject(
            &entry[0],
            "position 4400 > max_position_size_pct 15% of 20000",
        );
        assert_eq!(retry.len(), 1);
        assert_eq!(
            (retry[0].quantity, retry[0].purpose),
            (dec!(5), IntentPurpose::Entry)
        );

        // Filled at 11; (8+11+12)/3 = 10.33…, 12 above: hold.
        // (11+12+9)/3 = 10.67, 9 is below → cross down → sell the 5.
        h.fill(&retry[0], dec!(11));
        assert!(h.close(spy, dec!(12)).is_empty());
        let exit = h.close(spy, dec!(9));
        assert_eq!(exit.len(), 1);
        assert_eq!(
            (exit[0].side, exit[0].quantity, exit[0].purpose),
            (Side::Sell, dec!(5), IntentPurpose::Exit)
        );
    }

    #[test]
    fn a_missing_period_is_reported_with_file_and_key() {
        let mut registry = Registry::with_builtins();
        registry.register("above_average", super::build).unwrap();
        let text = FILE.replace("period = 3", "perod = 3");
        let problems = Harness::from_toml(&registry, "above.toml", &text, dec!(1))
            .err()
            .unwrap();
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "above.toml: params.period = (missing): required; must be a whole number of bars from 1 to 10000, e.g. period = 20",
                "above.toml: params.perod = 3: unknown parameter for kind above_average; known parameters: period",
            ]
        );
    }
    // guide-test:end

    /// The text between two markers of `text`.
    fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
        let from = text.find(start).map(|i| i + start.len()).unwrap();
        let to = text.find(end).unwrap();
        text[from..to].trim_matches('\n')
    }

    #[test]
    fn guide_quotes_the_example_verbatim() {
        let source = include_str!("example.rs");
        let guide = include_str!("../../README.md");
        let code = between(
            source,
            &["// guide", ":start"].concat(),
            &["// guide", ":end"].concat(),
        );
        let test = between(
            source,
            &["// guide-test", ":start"].concat(),
            &["// guide-test", ":end"].concat(),
        );
        assert!(
            guide.contains(code),
            "README.md must quote src/strategy/example.rs (guide:start..guide:end) verbatim"
        );
        let test = test
            .lines()
            .map(|l| l.strip_prefix("    ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            guide.contains(&test),
            "README.md must quote the example's tests (guide-test:start..end), unindented"
        );
        let traits = include_str!("traits.rs");
        let trait_text = between(
            traits,
            &["// guide-trait", ":start"].concat(),
            &["// guide-trait", ":end"].concat(),
        );
        assert!(
            guide.contains(trait_text),
            "README.md must quote the Strategy trait (traits.rs guide-trait:start..end) verbatim"
        );
    }
}

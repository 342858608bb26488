//! What `cancel-all` and `flatten` achieved, as values the CLI prints and
//! tests inspect. Reports carry the account only masked, so printing one can
//! never leak the id.

use std::fmt;

use rust_decimal::Decimal;

use crate::broker::tws::snapshot::{BrokerOrder, BrokerPosition};
use crate::domain::types::{Side, Symbol};

/// The result of [`cancel_everything`](super::cancel_everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelReport {
    /// The account, masked (`DU****567`).
    pub account: String,
    /// Orders open before the global cancel and no longer open after it
    /// (cancelled — or filled in the moment between). `None` when TWS did not
    /// answer the first read (the cancel was sent anyway).
    pub cancelled: Option<Vec<BrokerOrder>>,
    /// Orders TWS still reports open at the end. `None` when TWS did not
    /// answer any read after the cancel.
    pub left: Option<Vec<BrokerOrder>>,
    /// Whether it was IB's global cancel (every order of the login) rather
    /// than the bot's own orders one by one.
    pub global: bool,
}

impl CancelReport {
    /// True only when TWS confirmed that no order is left open.
    pub fn is_clean(&self) -> bool {
        matches!(&self.left, Some(left) if left.is_empty())
    }

    /// The report without its title line (the start-up abort prints it under its own).
    pub(in crate::broker::tws) fn body(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.global {
            writeln!(
                f,
                "global cancel sent (cancels every order of the login, whichever client placed it)"
            )?;
        } else {
            writeln!(
                f,
                "the bot's own orders cancelled one by one (others left alone)"
            )?;
        }
        match &self.cancelled {
            None => writeln!(
                f,
                "cancelled: UNKNOWN (TWS did not list the orders before the cancel)"
            )?,
            Some(orders) if orders.is_empty() => writeln!(f, "cancelled: nothing was open")?,
            Some(orders) => {
                writeln!(f, "cancelled ({}):", orders.len())?;
                for order in orders {
                    write_order(f, order)?;
                }
            }
        }
        match &self.left {
            None => writeln!(
                f,
                "left open: UNKNOWN (TWS did not answer) — check TWS and cancel by hand"
            ),
            Some(left) if left.is_empty() => {
                writeln!(f, "left open: none (TWS confirms no open order)")
            }
            Some(left) => {
                writeln!(f, "left open ({}) — CANCEL THEM IN TWS:", left.len())?;
                for order in left {
                    write_order(f, order)?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for CancelReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "=== cancel-all: account {} ===", self.account)?;
        self.body(f)
    }
}

/// One closing order the flatten sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentOrder {
    /// Instrument.
    pub symbol: Symbol,
    /// Buy (closes a short) or sell (closes a long).
    pub side: Side,
    /// Shares.
    pub quantity: Decimal,
    /// The `orderRef` it carries.
    pub order_ref: String,
}

/// A position the flatten could not close by itself, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Instrument.
    pub symbol: Symbol,
    /// Signed position at the time.
    pub quantity: Decimal,
    /// The risk gate's reason, the send error, or TWS's rejection.
    pub reason: String,
}

/// The result of [`flatten_everything`](super::flatten_everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlattenReport {
    /// The account, masked.
    pub account: String,
    /// The cancel that ran first.
    pub cancel: CancelReport,
    /// Whether closing orders were attempted (not when orders stayed open:
    /// a surviving stop could later open a position the other way).
    pub attempted: bool,
    /// Positions TWS reported before closing (empty when not attempted).
    pub found: Vec<BrokerPosition>,
    /// Closing orders sent.
    pub sent: Vec<SentOrder>,
    /// Positions that got no closing order, or whose order TWS rejected.
    pub refused: Vec<Refusal>,
    /// Positions TWS reports at the end (`None`: TWS did not answer).
    pub left: Option<Vec<BrokerPosition>>,
    /// Open orders at the end, read only when positions are left (`None`:
    /// not read or no answer). Unfilled closing orders stay working.
    pub orders_left: Option<Vec<BrokerOrder>>,
    /// Closing orders TWS accepted but holds until the market opens (399),
    /// with the time it named: they execute at that open.
    pub parked: Vec<(SentOrder, String)>,
}

impl FlattenReport {
    /// True only when TWS confirmed flat positions and no order left open.
    pub fn is_flat(&self) -> bool {
        self.cancel.is_clean() && matches!(&self.left, Some(left) if left.is_empty())
    }
}

impl fmt::Display for FlattenReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "=== flatten: account {} ===", self.account)?;
        self.cancel.body(f)?;
        if !self.attempted {
            writeln!(
                f,
                "closing orders: NOT SENT — TWS did not confirm every order cancelled, and a surviving stop could reopen a position; cancel them in TWS, then run flatten again"
            )?;
        } else if self.found.is_empty() {
            writeln!(f, "positions found: none")?;
        } else {
            writeln!(f, "positions found ({}):", self.found.len())?;
            for p in &self.found {
                write_position(f, p)?;
            }
        }
        if !self.sent.is_empty() {
            writeln!(
                f,
                "closing orders sent ({}, market, reduce-only, approved by the risk gate):",
                self.sent.len()
            )?;
            for o in &self.sent {
                writeln!(
                    f,
                    "  {:<4} {:>10} {:<6} ref {}",
                    o.side.as_ib(),
                    o.quantity,
                    o.symbol.as_str(),
                    o.order_ref
                )?;
            }
        }
        if !self.refused.is_empty() {
            writeln!(f, "NOT closed ({}):", self.refused.len())?;
            for r in &self.refused {
                writeln!(
                    f,
                    "  {:<6} {:>10}: {}",
                    r.symbol.as_str(),
                    signed(r.quantity),
                    r.reason
                )?;
            }
        }
        for (o, until) in &self.parked {
            writeln!(
                f,
                "  the market is closed: {} {} {} is held by TWS until {until} and executes at the next open",
                o.side.as_ib(),
                o.quantity,
                o.symbol.as_str()
            )?;
        }
        match &self.left {
            Some(left) if !left.is_empty() && !self.parked.is_empty() => {
                writeln!(f, "positions left ({}) — their closing orders execute at the next open (cancel-all withdraws them):", left.len())?;
                for p in left {
                    write_position(f, p)?;
                }
            }
            None => writeln!(
                f,
                "positions left: UNKNOWN (TWS did not answer) — check TWS"
            )?,
            Some(left) if left.is_empty() => {
                writeln!(f, "positions left: none (TWS confirms flat)")?
            }
            Some(left) => {
                writeln!(f, "positions left ({}) — CLOSE THEM IN TWS:", left.len())?;
                for p in left {
                    write_position(f, p)?;
                }
            }
        }
        if let Some(orders) = self.orders_left.as_ref().filter(|o| !o.is_empty()) {
            writeln!(
                f,
                "orders still working ({}; e.g. market closed — run cancel-all to withdraw them):",
                orders.len()
            )?;
            for order in orders {
                write_order(f, order)?;
            }
        }
        Ok(())
    }
}

/// A quantity with an explicit sign (`+100`, `-40`).
fn signed(quantity: Decimal) -> String {
    if quantity > Decimal::ZERO {
        format!("+{quantity}")
    } else {
        quantity.to_string()
    }
}

fn write_position(f: &mut fmt::Formatter<'_>, p: &BrokerPosition) -> fmt::Result {
    writeln!(
        f,
        "  {:<6} {:>10} @ {}",
        p.symbol.as_str(),
        signed(p.quantity),
        p.average_cost.round_dp(4)
    )
}

fn write_order(f: &mut fmt::Formatter<'_>, o: &BrokerOrder) -> fmt::Result {
    let kind = o.kind.to_string();
    writeln!(
        f,
        "  {:<4} {:>10} {:<6} {:<18} order {} (client {}, {})",
        o.side.as_ib(),
        o.quantity,
        o.symbol.as_str(),
        kind,
        o.order_id,
        o.client_id,
        o.status
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::types::OrderKind;
    use rust_decimal_macros::dec;

    fn order(id: i32, side: Side, qty: Decimal, kind: OrderKind) -> BrokerOrder {
        BrokerOrder {
            order_id: id,
            client_id: 50,
            order_ref: String::new(),
            symbol: Symbol::new("SPY").unwrap(),
            side,
            quantity: qty,
            kind,
            parent_id: 0,
            status: "Submitted".to_string(),
        }
    }

    #[test]
    fn a_clean_cancel_lists_what_was_cancelled() {
        let report = CancelReport {
            account: "DU****567".to_string(),
            cancelled: Some(vec![order(
                7,
                Side::Buy,
                dec!(100),
                OrderKind::Limit { limit: dec!(1.5) },
            )]),
            left: Some(vec![]),
            global: true,
        };
        assert!(report.is_clean());
        let text = report.to_string();
        assert!(
            text.starts_with("=== cancel-all: account DU****567 ===\n"),
            "{text}"
        );
        assert!(
            text.contains("cancelled (1):\n  BUY         100 SPY    LMT 1.5"),
            "{text}"
        );
        assert!(text.contains("order 7 (client 50, Submitted)"), "{text}");
        assert!(text.contains("left open: none"), "{text}");
    }

    #[test]
    fn orders_left_or_no_answer_are_not_clean() {
        let left = CancelReport {
            account: "DU****567".to_string(),
            cancelled: Some(vec![]),
            left: Some(vec![order(
                3,
                Side::Sell,
                dec!(5),
                OrderKind::Stop { stop: dec!(9) },
            )]),
            global: true,
        };
        assert!(!left.is_clean());
        let text = left.to_string();
        assert!(
            text.contains("left open (1) — CANCEL THEM IN TWS:\n  SELL          5 SPY    STP 9"),
            "{text}"
        );
        let unknown = CancelReport {
            account: "DU****567".to_string(),
            cancelled: None,
            left: None,
            global: true,
        };
        assert!(!unknown.is_clean());
        assert!(unknown.to_string().contains("left open: UNKNOWN"));
        assert!(unknown.to_string().contains("cancelled: UNKNOWN"));
    }

    #[test]
    fn flatten_report_is_flat_only_when_tws_confirms_it() {
        let spy = Symbol::new("SPY").unwrap();
        let mut report = FlattenReport {
            account: "DU****567".to_string(),
            cancel: CancelReport {
                account: "DU****567".to_string(),
                cancelled: Some(vec![]),
                left: Some(vec![]),
                global: true,
            },
            attempted: true,
            found: vec![BrokerPosition::us_stock(spy, dec!(-40), dec!(101.25))],
            sent: vec![SentOrder {
                symbol: spy,
                side: Side::Buy,
                quantity: dec!(40),
                order_ref: "ftm-20260105-s65535-000001-F".to_string(),
            }],
            refused: vec![],
            left: Some(vec![]),
            orders_left: None,
            parked: vec![],
        };
        assert!(report.is_flat());
        let text = report.to_string();
        assert!(text.contains("  SPY           -40 @ 101.25"), "{text}");
        assert!(
            text.contains("  BUY          40 SPY    ref ftm-20260105-s65535-000001-F"),
            "{text}"
        );
        assert!(
            text.contains("positions left: none (TWS confirms flat)"),
            "{text}"
        );
        report.left = None;
        assert!(!report.is_flat());
        report.left = Some(report.found.clone());
        assert!(!report.is_flat());
        assert!(report
            .to_string()
            .contains("positions left (1) — CLOSE THEM IN TWS:"));
        // Outside hours TWS holds the closing order: the report says when it executes.
        report.parked = vec![(
            report.sent[0].clone(),
            "2026-01-06 09:30:00 US/Eastern".into(),
        )];
        let text = report.to_string();
        assert!(text.contains("the market is closed: BUY 40 SPY is held by TWS until 2026-01-06 09:30:00 US/Eastern and executes at the next open"), "{text}");
        assert!(
            text.contains("positions left (1) — their closing orders execute at the next open"),
            "{text}"
        );
    }

    #[test]
    fn flatten_not_attempted_says_why() {
        let report = FlattenReport {
            account: "DU****567".to_string(),
            cancel: CancelReport {
                account: "DU****567".to_string(),
                cancelled: Some(vec![]),
                left: Some(vec![order(3, Side::Sell, dec!(5), OrderKind::Market)]),
                global: true,
            },
            attempted: false,
            found: vec![],
            sent: vec![],
            refused: vec![],
            left: Some(vec![]),
            orders_left: None,
            parked: vec![],
        };
        assert!(
            !report.is_flat(),
            "an order left open is not a clean flatten"
        );
        assert!(report.to_string().contains("closing orders: NOT SENT"));
    }
}

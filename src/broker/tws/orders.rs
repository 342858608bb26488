//! Translating order tickets into `ibapi` orders: prices and quantities leave
//! `Decimal` only here, at the wire; every order carries our deterministic id
//! as `orderRef`; brackets are sent parent first, children with `parentId`, one
//! OCA group, and `transmit` only on the last child so nothing goes live half-built.

use ibapi::contracts::Contract;
use ibapi::orders::{Action, OcaType, Order, TimeInForce};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::core::order_manager::OrderTicket;
use crate::domain::order_id::{ClientOrderId, Leg};
use crate::domain::types::{OrderKind, Side, Symbol};

/// The IB contract for one of our US stocks: SMART routing, USD. The one
/// place the bot says what it trades; orders, market data and history all
/// ask for this contract.
pub fn stock_contract(symbol: Symbol) -> Contract {
    Contract::stock(symbol.as_str()).build()
}

/// The OCA group shared by the orders that protect or exit the position of
/// bracket `entry` (whichever fills first cancels the others at IB).
pub fn oca_group(entry: ClientOrderId) -> String {
    format!("{}-oca", entry.with_leg(Leg::Entry))
}

/// How one order is linked to others when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link<'a> {
    /// The bracket parent's IB id (0 when none).
    pub parent: i32,
    /// The OCA group (empty when none).
    pub oca: &'a str,
    /// Whether this order releases itself and any untransmitted siblings.
    pub transmit: bool,
}

impl Link<'_> {
    /// A stand-alone order: no parent, no OCA group, transmitted at once.
    pub const ALONE: Link<'static> = Link {
        parent: 0,
        oca: "",
        transmit: true,
    };
}

fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(f64::NAN)
}

/// The IB order for `ticket` with IB order id `order_id`, linked as `link` says.
pub fn ib_order(ticket: &OrderTicket, order_id: i32, link: Link<'_>) -> Order {
    let Link {
        parent: parent_id,
        oca: oca_group,
        transmit,
    } = link;
    let (order_type, limit_price, aux_price) = match ticket.kind() {
        OrderKind::Market => ("MKT", None, None),
        OrderKind::Limit { limit } => ("LMT", Some(to_f64(limit)), None),
        OrderKind::Stop { stop } => ("STP", None, Some(to_f64(stop))),
        OrderKind::StopLimit { stop, limit } => {
            ("STP LMT", Some(to_f64(limit)), Some(to_f64(stop)))
        }
    };
    Order {
        order_id,
        action: match ticket.side() {
            Side::Buy => Action::Buy,
            Side::Sell => Action::Sell,
        },
        total_quantity: to_f64(ticket.quantity()),
        order_type: order_type.to_string(),
        limit_price,
        aux_price,
        // Protective children must outlive the day: GTC. Entries and exits: DAY.
        tif: if ticket.id().leg().is_protective() {
            TimeInForce::GoodTillCanceled
        } else {
            TimeInForce::Day
        },
        order_ref: ticket.id().to_string(),
        parent_id,
        oca_group: oca_group.to_string(),
        oca_type: if oca_group.is_empty() {
            OcaType::None
        } else {
            OcaType::CancelWithBlock
        },
        transmit,
        ..Order::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    fn id(leg: Leg) -> ClientOrderId {
        ClientOrderId::new(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), 1, 9, leg)
    }

    #[test]
    fn a_stop_child_maps_to_an_ib_stop_with_ref_parent_and_oca() {
        let ticket = OrderTicket::for_test(
            id(Leg::StopLoss),
            Symbol::new("SPY").unwrap(),
            Side::Sell,
            dec!(10),
            OrderKind::Stop { stop: dec!(95.25) },
            Some(id(Leg::Entry)),
        );
        let order = ib_order(
            &ticket,
            101,
            Link {
                parent: 100,
                oca: "grp",
                transmit: false,
            },
        );
        assert_eq!(order.order_id, 101);
        assert_eq!(order.parent_id, 100);
        assert_eq!(order.action, Action::Sell);
        assert_eq!(order.order_type, "STP");
        assert_eq!(order.aux_price, Some(95.25));
        assert_eq!(order.limit_price, None);
        assert_eq!(order.total_quantity, 10.0);
        assert_eq!(order.order_ref, "fta-20260105-s1-000009-S");
        assert_eq!(order.oca_group, "grp");
        assert_eq!(order.oca_type, OcaType::CancelWithBlock);
        assert_eq!(order.tif, TimeInForce::GoodTillCanceled);
        assert!(!order.transmit);
    }

    #[test]
    fn a_stop_limit_entry_carries_both_prices_and_transmits() {
        let ticket = OrderTicket::for_test(
            id(Leg::Entry),
            Symbol::new("QQQ").unwrap(),
            Side::Buy,
            dec!(3),
            OrderKind::StopLimit {
                stop: dec!(401.5),
                limit: dec!(402),
            },
            None,
        );
        let order = ib_order(
            &ticket,
            7,
            Link {
                parent: 0,
                oca: "",
                transmit: true,
            },
        );
        assert_eq!(order.order_type, "STP LMT");
        assert_eq!(order.aux_price, Some(401.5));
        assert_eq!(order.limit_price, Some(402.0));
        assert_eq!(order.oca_type, OcaType::None);
        assert_eq!(order.tif, TimeInForce::Day);
        assert!(order.transmit);
    }
}

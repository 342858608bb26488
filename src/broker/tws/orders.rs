//! Translating order tickets into `ibapi` orders: prices and quantities leave
//! `Decimal` only here, at the wire; every order carries our deterministic id
//! as `orderRef`; brackets are sent parent first, children with `parentId`, one
//! OCA group, and `transmit` only on the last child so nothing goes live half-built.

use ibapi::contracts::Contract;
use ibapi::orders::{Action, OcaType, Order, TimeInForce};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::core::order_manager::OrderTicket;
use crate::core::types::{OrderKind, Side};

/// The IB stock contract (SMART routing, USD) for a ticket's symbol.
pub fn stock_contract(symbol: &str) -> Contract {
    Contract::stock(symbol).build()
}

fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(f64::NAN)
}

/// The IB order for `ticket` with IB order id `order_id`.
/// `parent_id` is the parent's IB id for bracket children (0 otherwise);
/// `oca_group` is shared by the two children of one bracket.
pub fn ib_order(
    ticket: &OrderTicket,
    order_id: i32,
    parent_id: i32,
    oca_group: &str,
    transmit: bool,
) -> Order {
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

//! [`RiskGate`]: the one place an [`OrderIntent`] becomes an [`Approved`]
//! order, plus the trading-state latch and the order-rate bucket it owns.
//!
//! **The gate is a type.** [`Approved`] has private fields and no `Clone`;
//! only this module constructs it, and the order manager accepts nothing
//! else, so skipping the gate does not compile. A refusal is a value
//! ([`Rejected`]), not an error.
//!
//! [`Approved`]: crate::risk::Approved
//! [`Rejected`]: crate::risk::Rejected
//!
//! Checks, in order (the first failing one is reported):
//! 1. latch upkeep: a new New York day clears a daily-loss halt; a daily loss
//!    ≥ `max_daily_loss_pct` of start-of-day equity latches HALTED;
//! 2. quantity > 0 and whole shares;
//! 3. trading state: HALTED refuses everything, REDUCING refuses entries;
//! 4. symbol on the allow-list with a known tick; limit/stop prices > 0 and on tick;
//! 5. account figures known (net liquidation and start-of-day equity > 0);
//! 6. direction: an exit must be opposite to the position and, with the exits
//!    already working on its side, not exceed it (never flips); an entry may
//!    not go against the position;
//! 7. price collar: every limit/stop price within `price_collar_pct` of the
//!    last price; a market order needs a last price;
//! 8. entries only: notional ≤ `max_order_notional`; |position + working
//!    same-side orders + order| × price ≤ `max_position_size_pct` × net
//!    liquidation; a protective bracket exists (see [`Bracket`]). The price
//!    used is the higher of the order's price and the last price;
//! 9. open orders + this intent's orders (3 for a bracket) ≤ `max_open_orders`;
//! 10. order-rate token bucket (event time), consumed only when all else passed.
//!
//! **HALTED** approves nothing through [`RiskGate::check`], not even strategy
//! exits: the protective children already at the broker keep guarding open
//! positions. Positions are closed only through an explicit flatten
//! ([`RiskGate::check_flatten`]), which is reduce-only and passes in every
//! state. Cancels always pass ([`RiskGate::check_cancel`]), but the order
//! manager cancels nothing without the [`CancelApproved`] proof it hands out,
//! so every cancel is counted by the rate bucket.
//!
//! Deciding allocates nothing, locks nothing and reads no clock. Steps 7 and
//! 8 compute in exact fixed point ([`Fixed`]): the limits are converted once
//! at construction, the intent's and the view's figures once per decision; a
//! figure with no exact [`Fixed`] is refused ([`RejectReason::NotExact`]),
//! never rounded, except net liquidation, which a backtest carries to 10
//! places: then the position limit is compared in `Decimal`, as exactly.
//! The daily-loss upkeep (step 1) compares in fixed point too, and in
//! `Decimal` (as exactly) when the portfolio's PnL carries its 10 places.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::calendar;
use crate::domain::fixed::{Fixed, ONE_RAW, SCALE};
use crate::domain::money::{Figure, Money};
use crate::domain::types::{Instrument, IntentPurpose, OrderIntent, Side, Symbol, TradingState};
use crate::risk::bracket::{Bracket, BracketRule, Scaled, Tick};
use crate::risk::checks::{
    check_price, check_quantity, check_reduce_only, for_each_price, merge, positive,
};
use crate::risk::decision::{CancelApproved, Decision};
use crate::risk::limits::RiskLimits;
use crate::risk::rate::OrderRateLimiter;
use crate::risk::reason::RejectReason;
use crate::risk::state::{DailyLoss, HaltCause, LatchSnapshot, StateChange, TradingLatch};
use crate::risk::view::RiskView;

/// A limit held twice: exactly in fixed point to decide with, and as
/// configured for the figures of a refusal.
#[derive(Debug, Clone, Copy)]
struct Limit {
    fixed: Fixed,
    decimal: Decimal,
}

impl Limit {
    /// `decimal`, held as 0 when it has no [`Fixed`]: validation refuses such
    /// a limit, and an unvalidated one fails closed (no room at all).
    fn new(decimal: Decimal) -> Self {
        Self {
            fixed: Fixed::from_decimal(decimal).unwrap_or(Fixed::ZERO),
            decimal,
        }
    }
}

/// An entry's figures in fixed point, converted once per decision, and the
/// `Decimal` prices behind them for a refusal to show.
#[derive(Debug, Clone, Copy)]
struct EntryFigures {
    quantity: Fixed,
    /// The higher of the order's price and the last price.
    price: Fixed,
    position: Fixed,
    /// Working orders on the entry's side.
    working: Fixed,
    reference: Decimal,
    last: Option<Decimal>,
}

/// One symbol the gate may trade.
#[derive(Debug, Clone, Copy)]
struct SymbolRule {
    symbol: Symbol,
    /// `None` when no instrument was given for the symbol.
    tick: Option<Tick>,
}

/// The risk gate. Built once from validated limits; owns the trading-state
/// latch and the order-rate bucket.
#[derive(Debug, Clone)]
pub struct RiskGate {
    max_daily_loss_pct: Decimal,
    /// `max_daily_loss_pct` in fixed point, if it has an exact one.
    max_daily_loss_fixed: Option<Fixed>,
    max_position_size_pct: Limit,
    max_order_notional: Limit,
    price_collar_pct: Limit,
    max_open_orders: usize,
    flatten_on_daily_loss: bool,
    bracket: BracketRule,
    /// Tradable symbols, sorted, fixed at construction.
    symbols: Vec<SymbolRule>,
    latch: TradingLatch,
    /// A state change made inside `check`, not yet handed out.
    pending: Option<StateChange>,
    rate: OrderRateLimiter,
    /// [`RiskGate::require_regular_hours`].
    regular_hours_only: bool,
}

impl RiskGate {
    /// A gate for `limits` (validate them first). A symbol is tradable when it
    /// is in `allowed` (the symbols of the active strategies) and, if
    /// `limits.allowed_symbols` is not empty, in that list too; it also needs
    /// an entry in `instruments` (its tick ladder, with at most 8 decimal
    /// places), or every order for it is refused as an unknown instrument.
    /// Starts ACTIVE with a full rate bucket.
    pub fn new(limits: &RiskLimits, instruments: &[Instrument], allowed: &[Symbol]) -> Self {
        let mut symbols: Vec<SymbolRule> = allowed
            .iter()
            .filter(|s| limits.allowed_symbols.is_empty() || limits.allowed_symbols.contains(s))
            .map(|&symbol| SymbolRule {
                symbol,
                tick: instruments
                    .iter()
                    .find(|i| i.symbol == symbol)
                    .and_then(|i| Tick::ladder(i.ticks)),
            })
            .collect();
        symbols.sort_by_key(|r| r.symbol);
        symbols.dedup_by_key(|r| r.symbol);
        Self {
            max_daily_loss_pct: limits.max_daily_loss_pct,
            max_daily_loss_fixed: Fixed::from_decimal(limits.max_daily_loss_pct).ok(),
            max_position_size_pct: Limit::new(limits.max_position_size_pct),
            max_order_notional: Limit::new(limits.max_order_notional),
            price_collar_pct: Limit::new(limits.price_collar_pct),
            max_open_orders: usize::try_from(limits.max_open_orders).unwrap_or(usize::MAX),
            flatten_on_daily_loss: limits.flatten_on_daily_loss,
            bracket: BracketRule::new(limits.stop_loss_pct, limits.take_profit_pct),
            symbols,
            latch: TradingLatch::new(),
            pending: None,
            rate: OrderRateLimiter::new(limits.max_orders_per_second),
            regular_hours_only: false,
        }
    }

    /// From now on, entries are refused while the exchange's regular
    /// session is closed ([`RejectReason::MarketClosed`]); exits and stops
    /// never are. Live trading sets it; the backtest's bars are the
    /// sessions' own.
    pub fn require_regular_hours(&mut self) {
        self.regular_hours_only = true;
    }

    /// Decides on one intent at event time `now`. Approval consumes one
    /// order-rate token; refusals consume nothing. May latch HALTED (daily
    /// loss) or clear a daily-loss halt (new day) first; such a change is
    /// returned by the next [`RiskGate::on_mark_update`] or
    /// [`RiskGate::take_state_change`].
    pub fn check(
        &mut self,
        intent: &OrderIntent,
        view: &RiskView<'_>,
        now: DateTime<Utc>,
    ) -> Decision {
        let change = self.upkeep(view, now);
        self.pending = merge(self.pending, change);
        self.check_upkept(intent, view, now)
    }

    /// [`RiskGate::check`] without its step 1 (latch upkeep), for a caller
    /// that already ran [`RiskGate::on_mark_update`] for this event and this
    /// view: the engine, which runs the upkeep once per event before any
    /// strategy speaks. The latch is still obeyed.
    pub(crate) fn check_upkept(
        &mut self,
        intent: &OrderIntent,
        view: &RiskView<'_>,
        now: DateTime<Utc>,
    ) -> Decision {
        let result = self.evaluate(intent, view, now);
        Decision::from_result(intent, result)
    }

    /// Decides on an explicit flatten: an exit that passes in every state,
    /// including HALTED, and ignores the allow-list, collar and notional
    /// limits, but must be reduce-only (opposite to the position and, with
    /// the exits already working on its side, no larger than it). Always
    /// counted by the rate bucket, never refused by it.
    pub fn check_flatten(
        &mut self,
        intent: &OrderIntent,
        view: &RiskView<'_>,
        now: DateTime<Utc>,
    ) -> Decision {
        let change = self.upkeep(view, now);
        self.pending = merge(self.pending, change);
        let result = self.evaluate_flatten(intent, view);
        if result.is_ok() {
            self.rate.take_always(now);
        }
        Decision::from_result(intent, result.map(|()| None))
    }

    /// Cancels always pass, in every state. Each one is counted by the rate
    /// bucket (it may overdraw it, delaying later orders). The proof is what
    /// the order manager's `cancel` and `cancel_all` require.
    pub fn check_cancel(&mut self, now: DateTime<Utc>) -> CancelApproved {
        self.rate.take_always(now);
        CancelApproved::new()
    }

    /// Call after every mark and fill: clears a daily-loss halt on a new New
    /// York day, latches HALTED when the daily loss reaches the limit, and
    /// returns the net state change since the last call (including changes
    /// made inside `check`), if any.
    pub fn on_mark_update(
        &mut self,
        view: &RiskView<'_>,
        now: DateTime<Utc>,
    ) -> Option<StateChange> {
        let change = self.upkeep(view, now);
        merge(self.pending.take(), change)
    }

    /// Hands out (once) a state change made inside `check`.
    pub fn take_state_change(&mut self) -> Option<StateChange> {
        self.pending.take()
    }

    /// Current trading state.
    pub fn state(&self) -> TradingState {
        self.latch.state()
    }

    /// Why trading is HALTED, if it is.
    pub fn halt_cause(&self) -> Option<HaltCause> {
        self.latch.cause()
    }

    /// Whether a daily-loss breach should also flatten every position.
    pub fn flatten_on_daily_loss(&self) -> bool {
        self.flatten_on_daily_loss
    }

    /// Halts trading (see [`TradingLatch::halt`]).
    /// Like every state-changing call, returns the net change since the last
    /// change handed out (so one made inside `check` is not lost).
    pub fn halt(&mut self, cause: HaltCause, now: DateTime<Utc>) -> Option<StateChange> {
        let change = self.latch.halt(cause, now);
        merge(self.pending.take(), change)
    }

    /// ACTIVE → REDUCING (see [`TradingLatch::set_reducing`]).
    pub fn set_reducing(&mut self, now: DateTime<Utc>) -> Option<StateChange> {
        let change = self.latch.set_reducing(now);
        merge(self.pending.take(), change)
    }

    /// Back to ACTIVE (see [`TradingLatch::operator_reset`]). A daily loss
    /// still beyond the limit halts again at the next check or mark.
    pub fn operator_reset(&mut self) -> Option<StateChange> {
        let change = self.latch.operator_reset();
        merge(self.pending.take(), change)
    }

    /// The latch state to persist in the journal.
    pub fn latch_snapshot(&self) -> LatchSnapshot {
        self.latch.snapshot()
    }

    /// Restores a persisted latch (after a restart).
    pub fn restore_latch(&mut self, snapshot: LatchSnapshot) {
        self.latch.restore(snapshot);
        self.pending = None;
    }

    /// The day's loss figures when they breach the limit.
    fn daily_loss_breach(&self, view: &RiskView<'_>) -> Option<DailyLoss> {
        let equity = view.account.start_of_day_equity;
        if !positive(equity) {
            return None;
        }
        let breached = self
            .daily_loss_reached_fixed(view)
            .unwrap_or_else(|| -view.daily_pnl() >= self.max_daily_loss_pct * equity);
        breached.then(|| DailyLoss {
            loss: -view.daily_pnl(),
            start_of_day_equity: equity,
            limit_pct: self.max_daily_loss_pct,
        })
    }

    /// `−daily_pnl ≥ max_daily_loss_pct × start-of-day equity` (see
    /// [`RiskView::daily_pnl`]) in fixed point ([`Money`]); `None` when an
    /// account figure has no exact [`Money`] (more than 16 places) or a sum
    /// is out of range, and the caller compares in `Decimal`.
    fn daily_loss_reached_fixed(&self, view: &RiskView<'_>) -> Option<bool> {
        let money = |d: Decimal| Money::from_decimal(d).ok();
        let account = view.account;
        let from_portfolio = view
            .portfolio
            .net_pnl_money()
            .checked_sub(money(account.start_of_day_pnl)?)?;
        let from_account =
            money(account.net_liquidation)?.checked_sub(money(account.start_of_day_equity)?)?;
        let loss = Money::ZERO.checked_sub(from_portfolio.min(from_account))?;
        let equity = Fixed::from_decimal(account.start_of_day_equity).ok()?;
        Some(loss.raw() >= self.max_daily_loss_fixed?.mul_wide(equity))
    }

    fn upkeep(&mut self, view: &RiskView<'_>, now: DateTime<Utc>) -> Option<StateChange> {
        let rolled = self.latch.roll_day(now);
        let halted = self
            .daily_loss_breach(view)
            .and_then(|loss| self.latch.halt(HaltCause::DailyLoss(loss), now));
        merge(rolled, halted)
    }

    fn rule(&self, symbol: Symbol) -> Option<&SymbolRule> {
        self.symbols
            .binary_search_by(|r| r.symbol.cmp(&symbol))
            .ok()
            .map(|i| &self.symbols[i])
    }

    fn evaluate(
        &mut self,
        intent: &OrderIntent,
        view: &RiskView<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<Bracket>, RejectReason> {
        check_quantity(intent.quantity)?;
        let entry = intent.purpose == IntentPurpose::Entry;
        match self.latch.state() {
            TradingState::Halted => {
                let cause = self.latch.cause().unwrap_or(HaltCause::Operator);
                return Err(RejectReason::Halted { cause });
            }
            TradingState::Reducing if entry => return Err(RejectReason::Reducing),
            _ => {}
        }
        let symbol = intent.symbol;
        if entry && self.regular_hours_only && !calendar::is_open(now) {
            return Err(RejectReason::MarketClosed {
                symbol,
                next_open: calendar::next_open(now),
            });
        }
        if let Some(data) = view.data_age.filter(|d| entry && d.age_ms > d.limit_ms) {
            return Err(RejectReason::StaleData {
                symbol,
                age_ms: data.age_ms,
                limit_ms: data.limit_ms,
            });
        }
        let rule = self
            .rule(symbol)
            .ok_or(RejectReason::SymbolNotAllowed { symbol })?;
        let tick = rule
            .tick
            .ok_or(RejectReason::UnknownInstrument { symbol })?;
        for_each_price(intent.kind, |price| check_price(price, Some(tick)))?;

        let account = view.account;
        if !positive(account.net_liquidation) || !positive(account.start_of_day_equity) {
            return Err(RejectReason::AccountNotReady {
                net_liquidation: account.net_liquidation,
                start_of_day_equity: account.start_of_day_equity,
            });
        }

        // The book's figures are fixed point already; their Decimals cost nothing.
        let (position_figure, last_figure) = view
            .portfolio
            .position(symbol)
            .map_or((Figure::ZERO, None), |p| {
                (p.quantity_figure(), p.last_price_figure())
            });
        let (position, last) = (
            position_figure.to_decimal(),
            last_figure.map(Figure::to_decimal),
        );
        let buy = intent.side == Side::Buy;
        let same_side_working = view.orders.working_quantity(symbol, intent.side);
        if entry {
            if !position.is_zero() && position.is_sign_positive() != buy {
                return Err(RejectReason::EntryAgainstPosition {
                    symbol,
                    side: intent.side,
                    position,
                });
            }
        } else {
            check_reduce_only(intent, position, same_side_working)?;
        }

        let exact = |value: Decimal| {
            Fixed::from_decimal(value).map_err(|_| RejectReason::NotExact { symbol, value })
        };
        let last_fixed = last_figure.map(Figure::fixed);
        if let (Some(last), Some(last_fixed)) = (last, last_fixed) {
            let band = self.price_collar_pct.fixed.mul_wide(last_fixed);
            for_each_price(intent.kind, |price| {
                let distance = exact(price)?.raw().abs_diff(last_fixed.raw());
                if i128::from(distance) * i128::from(ONE_RAW) > band {
                    Err(RejectReason::PriceCollar {
                        symbol,
                        price,
                        last,
                        collar_pct: self.price_collar_pct.decimal,
                    })
                } else {
                    Ok(())
                }
            })?;
        }
        let reference = intent
            .kind
            .reference_price()
            .or(last)
            .ok_or(RejectReason::NoReferencePrice { symbol })?;
        if !entry {
            return self.open_orders_and_rate(view, entry, now).map(|()| None);
        }
        let reference_fixed = Scaled {
            value: exact(reference)?,
            scale: reference.scale(),
        };
        let figures = EntryFigures {
            quantity: exact(intent.quantity)?,
            price: last_fixed.map_or(reference_fixed.value, |l| l.max(reference_fixed.value)),
            position: position_figure.fixed(),
            working: exact(same_side_working)?,
            reference,
            last,
        };
        self.check_entry_size(intent, view, figures)?;
        let bracket = self
            .bracket
            .for_entry_scaled(intent.side, reference_fixed, tick)
            .ok_or(RejectReason::Unprotectable {
                reference,
                tick: tick.size_at(reference),
            })?;
        self.open_orders_and_rate(view, entry, now)
            .map(|()| Some(bracket))
    }

    /// Step 8's sizes, in fixed point: the order's notional, and the
    /// position it would leave (with the same side's working orders) against
    /// `max_position_size_pct` of net liquidation. The refusals carry the
    /// figures as given, in `Decimal`.
    fn check_entry_size(
        &self,
        intent: &OrderIntent,
        view: &RiskView<'_>,
        f: EntryFigures,
    ) -> Result<(), RejectReason> {
        let symbol = intent.symbol;
        // The price as the refusals show it: the higher of last and reference.
        let decimal_price = || f.last.map_or(f.reference, |l| l.max(f.reference));
        if f.quantity.mul_wide(f.price) > self.max_order_notional.fixed.wide() {
            return Err(RejectReason::OrderNotional {
                symbol,
                quantity: intent.quantity,
                price: decimal_price(),
                limit: self.max_order_notional.decimal,
            });
        }
        let buy = intent.side == Side::Buy;
        let resulting = f.working.checked_add(f.quantity).and_then(|added| {
            if buy {
                f.position.checked_add(added)
            } else {
                f.position.checked_sub(added)
            }
        });
        let net_liquidation = view.account.net_liquidation;
        let within = resulting.and_then(Fixed::checked_abs).is_some_and(|r| {
            let exposure = r.mul_wide(f.price);
            match Fixed::from_decimal(net_liquidation) {
                Ok(nl) => exposure <= self.max_position_size_pct.fixed.mul_wide(nl),
                // Net liquidation with more than 8 places (a backtest's
                // equity carries the portfolio's 10): the same comparison
                // in Decimal, exact as well.
                Err(_) => Decimal::try_from_i128_with_scale(exposure, 2 * SCALE)
                    .is_ok_and(|e| e <= self.max_position_size_pct.decimal * net_liquidation),
            }
        });
        if within {
            return Ok(());
        }
        let position = f.position.to_decimal();
        let added = f.working.to_decimal() + intent.quantity;
        Err(RejectReason::PositionLimit {
            symbol,
            resulting: if buy {
                position + added
            } else {
                position - added
            },
            price: decimal_price(),
            limit_pct: self.max_position_size_pct.decimal,
            net_liquidation,
        })
    }

    /// Steps 9 and 10: room for this intent's orders, then a rate token.
    fn open_orders_and_rate(
        &mut self,
        view: &RiskView<'_>,
        entry: bool,
        now: DateTime<Utc>,
    ) -> Result<(), RejectReason> {
        let open = view.orders.open_order_count();
        let adding = if entry { 3 } else { 1 };
        if open + adding > self.max_open_orders {
            return Err(RejectReason::MaxOpenOrders {
                open,
                adding,
                max: self.max_open_orders,
            });
        }
        self.rate
            .try_take(now)
            .map_err(|wait_micros| RejectReason::RateLimited {
                per_second: self.rate.per_second(),
                wait_micros,
            })
    }

    fn evaluate_flatten(
        &self,
        intent: &OrderIntent,
        view: &RiskView<'_>,
    ) -> Result<(), RejectReason> {
        check_quantity(intent.quantity)?;
        if intent.purpose != IntentPurpose::Exit {
            return Err(RejectReason::FlattenNotExit {
                symbol: intent.symbol,
            });
        }
        let tick = self.rule(intent.symbol).and_then(|r| r.tick);
        for_each_price(intent.kind, |price| check_price(price, tick))?;
        let position = view.portfolio.quantity(intent.symbol);
        let working = view.orders.working_quantity(intent.symbol, intent.side);
        check_reduce_only(intent, position, working)
    }
}

#[cfg(test)]
#[path = "gate_fixtures.rs"]
mod fixtures;
#[cfg(test)]
#[path = "gate_state_tests.rs"]
mod state_tests;
#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;

//! Domain primitives shared by every part of the engine: symbols, sides, order
//! intents, market events, fills and the trading state.
//!
//! Everything here is `Copy` (or cheap to clone) and allocation-free, so the hot
//! path (market event → strategy → risk gate → order) never touches the heap.
//! Money and quantities are [`Decimal`]; time is [`DateTime<Utc>`] carried by the
//! event itself — nothing in `core` reads a clock.

use std::fmt;

use crate::domain::ticks::TickLadder;
use chrono::{DateTime, NaiveTime, Timelike, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Longest ticker symbol we accept (IB stock symbols are far shorter).
pub const MAX_SYMBOL_LEN: usize = 15;

/// A ticker symbol stored inline (no heap), so it can be copied freely on the
/// hot path. Guaranteed non-empty, ASCII, at most [`MAX_SYMBOL_LEN`] bytes, and
/// without whitespace.
#[derive(Clone, Copy)]
pub struct Symbol {
    /// The text, zero-padded, in bytes 0..15; its length in byte 15. Read as
    /// one big-endian integer, equality and text order are a single compare
    /// (no `memcmp` on the hot path).
    bytes: [u8; 16],
}

impl Symbol {
    fn key(&self) -> u128 {
        u128::from_be_bytes(self.bytes)
    }
}

impl PartialEq for Symbol {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Symbol {}

impl std::hash::Hash for Symbol {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

/// Why a string is not a valid [`Symbol`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    /// The string was empty.
    #[error("symbol is empty")]
    Empty,
    /// The string was longer than [`MAX_SYMBOL_LEN`].
    #[error("symbol {0:?} is longer than {MAX_SYMBOL_LEN} characters")]
    TooLong(String),
    /// The string contained whitespace or a non-ASCII character.
    #[error("symbol {0:?} must be ASCII without whitespace, e.g. \"SPY\" or \"BRK B\" written as \"BRK.B\"")]
    Invalid(String),
}

impl Symbol {
    /// Builds a symbol from text, upper-casing nothing: IB symbols are case-sensitive.
    ///
    /// # Errors
    /// [`SymbolError`] when the text is empty, too long, or not plain ASCII.
    pub fn new(text: &str) -> Result<Self, SymbolError> {
        if text.is_empty() {
            return Err(SymbolError::Empty);
        }
        if text.len() > MAX_SYMBOL_LEN {
            return Err(SymbolError::TooLong(text.to_string()));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SymbolError::Invalid(text.to_string()));
        }
        let mut bytes = [0u8; 16];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        bytes[MAX_SYMBOL_LEN] = text.len() as u8;
        Ok(Self { bytes })
    }

    /// The symbol as text.
    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII in `new`, so this cannot fail.
        let len = usize::from(self.bytes[MAX_SYMBOL_LEN]).min(MAX_SYMBOL_LEN);
        std::str::from_utf8(&self.bytes[..len]).unwrap_or("")
    }
}

impl Ord for Symbol {
    /// Alphabetical, as the text compares.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Zero-padded big-endian bytes: integer order is text order for ASCII.
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Symbol {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Symbol({})", self.as_str())
    }
}

impl Serialize for Symbol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Symbol::new(&text).map_err(serde::de::Error::custom)
    }
}

/// Direction of an order or a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Buy: increases a long position or reduces a short one.
    Buy,
    /// Sell: reduces a long position or increases a short one.
    Sell,
}

impl Side {
    /// +1 for buys, −1 for sells: `signed_qty = side.sign() * qty`.
    pub fn sign(self) -> Decimal {
        match self {
            Side::Buy => Decimal::ONE,
            Side::Sell => Decimal::NEGATIVE_ONE,
        }
    }

    /// The other side (the side that closes a position opened by `self`).
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// IB's action string (`BUY` / `SELL`).
    pub fn as_ib(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ib())
    }
}

/// How an order is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderKind {
    /// Market order: fills at the best available price.
    Market,
    /// Limit order at `limit` or better.
    Limit {
        /// Worst acceptable price.
        limit: Decimal,
    },
    /// Stop (market) order triggered when the market trades through `stop`.
    Stop {
        /// Trigger price.
        stop: Decimal,
    },
    /// Stop-limit: becomes a limit at `limit` once `stop` is touched.
    StopLimit {
        /// Trigger price.
        stop: Decimal,
        /// Limit price once triggered.
        limit: Decimal,
    },
}

impl OrderKind {
    /// The price the order would execute at or be judged by: the limit price for
    /// limit orders, the stop price for stops, `None` for market orders.
    pub fn reference_price(&self) -> Option<Decimal> {
        match *self {
            OrderKind::Market => None,
            OrderKind::Limit { limit } => Some(limit),
            OrderKind::Stop { stop } => Some(stop),
            OrderKind::StopLimit { limit, .. } => Some(limit),
        }
    }
}

/// As an operator reads it: `MKT`, `LMT 10.00`, `STP 9.50`, `STP LMT 9.50/9.45`
/// (stop, then limit).
impl fmt::Display for OrderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderKind::Market => f.write_str("MKT"),
            OrderKind::Limit { limit } => write!(f, "LMT {limit}"),
            OrderKind::Stop { stop } => write!(f, "STP {stop}"),
            OrderKind::StopLimit { stop, limit } => write!(f, "STP LMT {stop}/{limit}"),
        }
    }
}

/// Index of a strategy instance inside the engine (position in the active list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StrategyId(pub u16);

/// Whether an intent opens/increases exposure or reduces it. Entries must be
/// protected by a stop-loss and a take-profit (the risk gate attaches both);
/// exits must not increase exposure (the risk gate checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntentPurpose {
    /// Opens or adds to a position.
    Entry,
    /// Reduces or closes a position (never flips it).
    Exit,
}

/// What a strategy asks for. It is only a wish: nothing reaches a broker until
/// the risk gate has approved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderIntent {
    /// The strategy that produced the intent.
    pub strategy: StrategyId,
    /// Instrument to trade.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Quantity in shares, strictly positive.
    pub quantity: Decimal,
    /// Pricing.
    pub kind: OrderKind,
    /// Entry (needs a bracket) or exit (reduce-only).
    pub purpose: IntentPurpose,
}

/// A finished OHLCV bar. `start` is the bar's start time (as IB and our CSV
/// files stamp it); `seconds` is its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    /// Instrument.
    pub symbol: Symbol,
    /// Start of the bar.
    pub start: DateTime<Utc>,
    /// Bar length in seconds (5 for IB real-time bars, 86 400 for daily).
    pub seconds: u32,
    /// Opening price.
    pub open: Decimal,
    /// Highest price.
    pub high: Decimal,
    /// Lowest price.
    pub low: Decimal,
    /// Closing price.
    pub close: Decimal,
    /// Traded volume in shares.
    pub volume: Decimal,
}

impl Bar {
    /// The time the bar closed, i.e. when its information became known.
    pub fn end(&self) -> DateTime<Utc> {
        // Most bars end on their start's UTC date: the time of day plus the
        // length, on the same date, with no calendar arithmetic. A bar that
        // ends past UTC midnight, or starts inside a leap second (a fraction
        // of a second or more), takes chrono's date-and-time addition.
        let start = self.start.naive_utc();
        let nanos = start.time().nanosecond();
        let same_day = start
            .time()
            .num_seconds_from_midnight()
            .checked_add(self.seconds)
            .filter(|&secs| secs < 86_400 && nanos < 1_000_000_000)
            .and_then(|secs| NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos));
        match same_day {
            Some(time) => start.date().and_time(time).and_utc(),
            None => self.start + chrono::Duration::seconds(i64::from(self.seconds)),
        }
    }
}

/// Top of book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Instrument.
    pub symbol: Symbol,
    /// Exchange time of the quote.
    pub time: DateTime<Utc>,
    /// Best bid.
    pub bid: Decimal,
    /// Best ask.
    pub ask: Decimal,
    /// Size at the bid.
    pub bid_size: Decimal,
    /// Size at the ask.
    pub ask_size: Decimal,
}

/// A print on the tape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// Instrument.
    pub symbol: Symbol,
    /// Exchange time of the trade.
    pub time: DateTime<Utc>,
    /// Trade price.
    pub price: Decimal,
    /// Trade size.
    pub size: Decimal,
}

/// Any market data the engine reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarketEvent {
    /// A completed bar.
    Bar(Bar),
    /// A top-of-book update.
    Quote(Quote),
    /// A trade print.
    Trade(Trade),
}

impl MarketEvent {
    /// Instrument the event is about.
    pub fn symbol(&self) -> Symbol {
        match self {
            MarketEvent::Bar(b) => b.symbol,
            MarketEvent::Quote(q) => q.symbol,
            MarketEvent::Trade(t) => t.symbol,
        }
    }

    /// When the information became known (a bar's end, a quote's/trade's time).
    pub fn time(&self) -> DateTime<Utc> {
        match self {
            MarketEvent::Bar(b) => b.end(),
            MarketEvent::Quote(q) => q.time,
            MarketEvent::Trade(t) => t.time,
        }
    }

    /// The best single "last price" the event carries: bar close, trade price,
    /// or the quote's mid-point.
    pub fn mark(&self) -> Decimal {
        match self {
            MarketEvent::Bar(b) => b.close,
            MarketEvent::Trade(t) => t.price,
            MarketEvent::Quote(q) => (q.bid + q.ask) / Decimal::TWO,
        }
    }
}

/// An execution of (part of) an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// Instrument.
    pub symbol: Symbol,
    /// Buy or sell.
    pub side: Side,
    /// Executed quantity, strictly positive.
    pub quantity: Decimal,
    /// Execution price.
    pub price: Decimal,
    /// Commission charged for this fill (≥ 0, in account currency).
    pub commission: Decimal,
    /// Execution time.
    pub time: DateTime<Utc>,
}

/// The engine-wide trading state latch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TradingState {
    /// Normal trading: any order the gate approves may be sent.
    Active,
    /// Only orders that reduce exposure pass.
    Reducing,
    /// Nothing new passes except cancels (and reduce-only flattening when asked).
    Halted,
}

impl fmt::Display for TradingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TradingState::Active => "ACTIVE",
            TradingState::Reducing => "REDUCING",
            TradingState::Halted => "HALTED",
        })
    }
}

/// Static facts about a tradable instrument the gate needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    /// Ticker.
    pub symbol: Symbol,
    /// Minimum price increments by price level; every price sent is on them.
    pub ticks: TickLadder,
}

/// The tick of US stocks priced at $1 or more: one cent (SEC Rule 612).
pub const US_STOCK_TICK: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

impl Instrument {
    /// A US stock on SEC Rule 612's ladder ([`TickLadder::us_stock`]: 0.0001
    /// below $1, [`US_STOCK_TICK`] from $1). For the backtest and market-only
    /// paths; the live session reads each symbol's ladder from TWS.
    pub fn us_stock(symbol: Symbol) -> Self {
        Self {
            symbol,
            ticks: TickLadder::us_stock(),
        }
    }

    /// An instrument with one tick at every price (`None` unless `tick > 0`).
    pub fn flat(symbol: Symbol, tick: Decimal) -> Option<Self> {
        TickLadder::flat(tick).map(|ticks| Self { symbol, ticks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn order_kinds_read_as_an_operator_writes_them() {
        let shown: Vec<String> = [
            OrderKind::Market,
            OrderKind::Limit { limit: dec!(10.00) },
            OrderKind::Stop { stop: dec!(9.5) },
            OrderKind::StopLimit {
                stop: dec!(9.50),
                limit: dec!(9.45),
            },
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(shown, ["MKT", "LMT 10.00", "STP 9.5", "STP LMT 9.50/9.45"]);
    }

    #[test]
    fn symbol_round_trips_and_rejects_bad_text() {
        let s = Symbol::new("SPY").unwrap();
        assert_eq!(s.as_str(), "SPY");
        assert_eq!(s.to_string(), "SPY");
        assert_eq!(Symbol::new(""), Err(SymbolError::Empty));
        assert!(matches!(
            Symbol::new("A VERY LONG SYMBOL"),
            Err(SymbolError::TooLong(_))
        ));
        assert!(matches!(Symbol::new("BR K"), Err(SymbolError::Invalid(_))));
        assert!(Symbol::new("AAPL").unwrap() < Symbol::new("MSFT").unwrap());
        assert!(Symbol::new("AAPL").unwrap() < Symbol::new("SPY").unwrap());
        assert!(Symbol::new("SP").unwrap() < Symbol::new("SPY").unwrap());
        assert!(Symbol::new("BRK.A").unwrap() < Symbol::new("BRK.B").unwrap());
        assert_ne!(Symbol::new("QQQ").unwrap(), Symbol::new("QQ").unwrap());
    }

    #[test]
    fn side_sign_and_opposite() {
        assert_eq!(Side::Buy.sign(), Decimal::ONE);
        assert_eq!(Side::Sell.sign(), Decimal::NEGATIVE_ONE);
        assert_eq!(Side::Buy.opposite(), Side::Sell);
    }

    #[test]
    fn quote_mark_is_mid() {
        let q = Quote {
            symbol: Symbol::new("SPY").unwrap(),
            time: DateTime::<Utc>::UNIX_EPOCH,
            bid: Decimal::new(10000, 2),
            ask: Decimal::new(10002, 2),
            bid_size: Decimal::ONE,
            ask_size: Decimal::ONE,
        };
        assert_eq!(MarketEvent::Quote(q).mark(), Decimal::new(10001, 2));
    }

    #[test]
    fn a_bar_ends_where_chrono_s_addition_says() {
        let start = |secs, nanos| DateTime::from_timestamp(secs, nanos).unwrap();
        // Before and after 1970, with and without a fraction, across a UTC
        // midnight, and a start inside the leap second 2016-12-31T23:59:60.
        let starts = [
            start(-2_208_988_800, 0),
            start(-1, 999_999_999),
            start(0, 0),
            start(1_483_228_799, 1_500_000_000),
            start(1_617_206_400, 0),
            start(1_617_289_199, 1),
            start(1_617_289_199, 999_999_999),
        ];
        for start in starts {
            for seconds in [0, 1, 5, 60, 3600, 86_400, 604_800] {
                let bar = Bar {
                    start,
                    seconds,
                    ..bar_at(start)
                };
                let chrono = start + chrono::Duration::seconds(i64::from(seconds));
                assert_eq!(bar.end(), chrono, "{start:?} + {seconds} s");
            }
        }
    }

    fn bar_at(start: DateTime<Utc>) -> Bar {
        Bar {
            symbol: Symbol::new("SPY").unwrap(),
            start,
            seconds: 60,
            open: Decimal::ONE,
            high: Decimal::ONE,
            low: Decimal::ONE,
            close: Decimal::ONE,
            volume: Decimal::ONE,
        }
    }
}

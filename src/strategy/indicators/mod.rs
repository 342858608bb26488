//! Reusable technical indicators for strategies. Every indicator is
//! incremental (O(1) work per update, amortized for [`Donchian`]), takes and
//! returns [`Decimal`](rust_decimal::Decimal), and allocates only in its
//! constructor — so strategies can update them on the hot path.
//!
//! Each `update` returns the new value once enough data has arrived (`None`
//! while warming up); `value()` repeats the latest one. On the hot path prefer
//! `push` plus the comparison helpers ([`Sma::cmp_mean`], [`Rsi::compare`],
//! [`Donchian::is_above`]): [`Sma`], [`Rsi`] and [`Donchian`] compute in exact
//! fixed point ([`fixed`]) and only divide when a value is asked for.

pub mod donchian;
pub mod ema;
pub mod fixed;
pub mod rsi;
pub mod sma;
mod window;

pub use donchian::Donchian;
pub use ema::Ema;
pub use rsi::Rsi;
pub use sma::Sma;

/// An indicator was asked for a period of zero bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("indicator period must be at least 1")]
pub struct ZeroPeriod;

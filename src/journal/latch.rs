//! The trading-state latch ([`LatchSnapshot`]) as the typed columns of
//! `trading_state`: `latch_state`, `halt_cause`, `since` and the figures of a
//! daily-loss halt (`loss`, `start_of_day_equity`, `limit_pct`).
//!
//! It owns the mapping both ways and nothing else; the SQL lives in
//! `write`/`read`. It must never guess: a stored combination that does not
//! decode to exactly one latch (a cause without its figures, figures without
//! a cause, an unknown code) is a [`JournalError`], never a default.

use rusqlite::Row;

use super::codec::{day_text, parse_day, parse_decimal, parse_trading_state};
use super::error::JournalError;
use crate::risk::{DailyLoss, HaltCause, LatchSnapshot};

/// The latch columns, in the order [`LatchText::from_row`] reads them.
pub(crate) const LATCH_COLUMNS: &str =
    "latch_state, halt_cause, since, loss, start_of_day_equity, limit_pct";

/// The latch columns of one row as stored text; all `None` is "no latch".
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct LatchText {
    pub(crate) state: Option<String>,
    pub(crate) cause: Option<String>,
    pub(crate) since: Option<String>,
    pub(crate) loss: Option<String>,
    pub(crate) start_of_day_equity: Option<String>,
    pub(crate) limit_pct: Option<String>,
}

impl LatchText {
    /// The columns that store `latch` (all `None` for no latch).
    pub(crate) fn of(latch: Option<&LatchSnapshot>) -> Self {
        let Some(latch) = latch else {
            return Self::default();
        };
        let loss = match latch.cause {
            Some(HaltCause::DailyLoss(loss)) => Some(loss),
            _ => None,
        };
        Self {
            state: Some(latch.state.to_string()),
            cause: latch.cause.map(|c| cause_code(&c).to_string()),
            since: latch.since.map(day_text),
            loss: loss.map(|l| l.loss.to_string()),
            start_of_day_equity: loss.map(|l| l.start_of_day_equity.to_string()),
            limit_pct: loss.map(|l| l.limit_pct.to_string()),
        }
    }

    /// Reads the [`LATCH_COLUMNS`] starting at column `first` of `row`.
    pub(crate) fn from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            state: row.get(first)?,
            cause: row.get(first + 1)?,
            since: row.get(first + 2)?,
            loss: row.get(first + 3)?,
            start_of_day_equity: row.get(first + 4)?,
            limit_pct: row.get(first + 5)?,
        })
    }

    /// The latch these columns store, `None` when they store none.
    ///
    /// # Errors
    /// [`JournalError::InvalidRecord`] when a value does not parse or the
    /// columns do not make one latch.
    pub(crate) fn decode(self) -> Result<Option<LatchSnapshot>, JournalError> {
        let Some(state) = self.state.as_deref() else {
            return if self == Self::default() {
                Ok(None)
            } else {
                Err(inconsistent(&self))
            };
        };
        let cause = match self.cause.as_deref() {
            Some(code) => Some(self.decode_cause(code)?),
            None if self.has_figures() => return Err(inconsistent(&self)),
            None => None,
        };
        Ok(Some(LatchSnapshot {
            state: parse_trading_state(state)?,
            cause,
            since: self.since.as_deref().map(parse_day).transpose()?,
        }))
    }

    /// The halt cause stored as `code` with this row's figures.
    fn decode_cause(&self, code: &str) -> Result<HaltCause, JournalError> {
        let (loss, start, pct) = (
            self.loss.as_deref(),
            self.start_of_day_equity.as_deref(),
            self.limit_pct.as_deref(),
        );
        match (code, loss, start, pct) {
            ("DAILY_LOSS", Some(loss), Some(start), Some(pct)) => {
                Ok(HaltCause::DailyLoss(DailyLoss {
                    loss: parse_decimal(loss)?,
                    start_of_day_equity: parse_decimal(start)?,
                    limit_pct: parse_decimal(pct)?,
                }))
            }
            (_, None, None, None) => match code {
                "OPERATOR" => Ok(HaltCause::Operator),
                "SHUTDOWN" => Ok(HaltCause::Shutdown),
                "ENGINE" => Ok(HaltCause::Engine),
                _ => Err(inconsistent(self)),
            },
            _ => Err(inconsistent(self)),
        }
    }

    fn has_figures(&self) -> bool {
        self.loss.is_some() || self.start_of_day_equity.is_some() || self.limit_pct.is_some()
    }
}

/// The `halt_cause` code of a cause.
pub(crate) fn cause_code(cause: &HaltCause) -> &'static str {
    match cause {
        HaltCause::DailyLoss(_) => "DAILY_LOSS",
        HaltCause::Operator => "OPERATOR",
        HaltCause::Shutdown => "SHUTDOWN",
        HaltCause::Engine => "ENGINE",
    }
}

fn inconsistent(text: &LatchText) -> JournalError {
    JournalError::InvalidRecord(format!(
        "stored trading-state latch {text:?} cannot be read"
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::domain::types::TradingState;

    fn halted(cause: HaltCause) -> LatchSnapshot {
        LatchSnapshot {
            state: TradingState::Halted,
            cause: Some(cause),
            since: NaiveDate::from_ymd_opt(2026, 1, 5),
        }
    }

    #[test]
    fn every_cause_round_trips_through_the_columns() {
        let loss = HaltCause::DailyLoss(DailyLoss {
            loss: dec!(2100.50),
            start_of_day_equity: dec!(100000),
            limit_pct: dec!(0.02),
        });
        for cause in [
            loss,
            HaltCause::Operator,
            HaltCause::Shutdown,
            HaltCause::Engine,
        ] {
            let latch = halted(cause);
            assert_eq!(LatchText::of(Some(&latch)).decode().unwrap(), Some(latch));
        }
        let text = LatchText::of(Some(&halted(loss)));
        assert_eq!(text.cause.as_deref(), Some("DAILY_LOSS"));
        assert_eq!(text.loss.as_deref(), Some("2100.50"));
        assert_eq!(text.since.as_deref(), Some("2026-01-05"));
        assert_eq!(LatchText::of(None).decode().unwrap(), None);
    }

    #[test]
    fn columns_that_make_no_latch_are_errors() {
        let operator = LatchText::of(Some(&halted(HaltCause::Operator)));
        let bad = [
            LatchText {
                cause: Some("TIRED".into()),
                ..operator.clone()
            },
            LatchText {
                loss: Some("1".into()),
                ..operator.clone()
            },
            LatchText {
                cause: Some("DAILY_LOSS".into()),
                ..operator.clone()
            },
            LatchText {
                state: None,
                ..operator.clone()
            },
            LatchText {
                since: Some("2026-02-30".into()),
                ..operator.clone()
            },
            LatchText {
                state: Some("halted".into()),
                ..operator
            },
        ];
        for text in bad {
            assert!(
                matches!(text.clone().decode(), Err(JournalError::InvalidRecord(_))),
                "{text:?}"
            );
        }
    }
}

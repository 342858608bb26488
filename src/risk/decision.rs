//! The gate's answers: [`Decision`] = [`Approved`] | [`Rejected`], and
//! [`CancelApproved`]. [`Approved`] and [`CancelApproved`] have private fields
//! and no `Clone`: only the risk module constructs them, so the order manager
//! (which accepts nothing else) cannot be handed an order or a cancel that
//! skipped the gate. Must never hold state or decide anything itself.

use crate::domain::types::OrderIntent;
use crate::risk::bracket::Bracket;
use crate::risk::reason::RejectReason;

/// An intent the gate approved. Only the risk module can make one; it cannot
/// be cloned, so each approval is sent at most once.
#[must_use = "an approved intent does nothing until it is submitted"]
#[derive(Debug, PartialEq, Eq)]
pub struct Approved {
    intent: OrderIntent,
    bracket: Option<Bracket>,
}

impl Approved {
    /// The approved intent, unchanged.
    pub fn intent(&self) -> &OrderIntent {
        &self.intent
    }

    /// Stop-loss and take-profit for entries (always `Some` for an entry,
    /// `None` for exits), on the instrument's tick grid.
    pub fn bracket(&self) -> Option<Bracket> {
        self.bracket
    }
}

/// A refused intent and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    /// The intent, unchanged.
    pub intent: OrderIntent,
    /// Why it was refused.
    pub reason: RejectReason,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} rejected: {}",
            self.intent.side,
            self.intent.quantity.normalize(),
            self.intent.symbol,
            self.reason
        )
    }
}

/// The gate's answer.
#[must_use = "a decision must be acted on (submitted or reported)"]
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// May be sent.
    Approved(Approved),
    /// Must not be sent.
    Rejected(Rejected),
}

impl Decision {
    /// True for [`Decision::Approved`].
    pub fn is_approved(&self) -> bool {
        matches!(self, Decision::Approved(_))
    }

    /// The intent decided on.
    pub fn intent(&self) -> &OrderIntent {
        match self {
            Decision::Approved(a) => &a.intent,
            Decision::Rejected(r) => &r.intent,
        }
    }

    /// The refusal reason, if refused.
    pub fn reason(&self) -> Option<RejectReason> {
        match self {
            Decision::Approved(_) => None,
            Decision::Rejected(r) => Some(r.reason),
        }
    }
}

/// Proof that a cancel went through the gate (cancels always pass, but each
/// one is counted by the order-rate bucket). Only the gate makes one
/// ([`RiskGate::check_cancel`](crate::risk::RiskGate::check_cancel)); it
/// cannot be cloned, and the order manager cancels nothing without one.
#[must_use = "a cancel approval does nothing until handed to the order manager"]
#[derive(Debug, PartialEq, Eq)]
pub struct CancelApproved {
    _private: (),
}

impl Approved {
    /// Only the gate approves.
    pub(in crate::risk) fn new(intent: OrderIntent, bracket: Option<Bracket>) -> Self {
        Self { intent, bracket }
    }
}

impl Decision {
    /// Approved with `bracket` when `result` is `Ok`, otherwise rejected.
    pub(in crate::risk) fn from_result(
        intent: &OrderIntent,
        result: Result<Option<Bracket>, RejectReason>,
    ) -> Self {
        match result {
            Ok(bracket) => Decision::Approved(Approved::new(*intent, bracket)),
            Err(reason) => Decision::Rejected(Rejected {
                intent: *intent,
                reason,
            }),
        }
    }
}

impl CancelApproved {
    /// Only the gate approves cancels.
    pub(in crate::risk) fn new() -> Self {
        Self { _private: () }
    }
}

//! The paper/live decision: [`decide_mode`] is the one place that decides
//! whether the bot trades real money.
//!
//! Four settings have a say: `IBKR_PAPER_TRADING`, the `--live` flag, the port
//! and the account id. Each votes paper or live (an unset port, a non-standard
//! explicit port and a missing account in paper mode abstain). The mode is
//! live only when every setting votes live; it is paper when none does; any
//! mix is refused with a [`ModeConflict`] that names each disagreeing setting
//! and how to fix it.

use std::fmt;

use crate::domain::account::AccountId;

/// TWS's default paper-trading API port.
pub const TWS_PAPER_PORT: u16 = 7497;
/// IB Gateway's default paper-trading API port.
pub const GATEWAY_PAPER_PORT: u16 = 4002;
/// TWS's default live-trading API port.
pub const TWS_LIVE_PORT: u16 = 7496;
/// IB Gateway's default live-trading API port.
pub const GATEWAY_LIVE_PORT: u16 = 4001;

/// Paper or live trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TradingMode {
    /// Simulated money on an IB paper account (`DU…`). The default.
    Paper,
    /// Real money.
    Live,
}

impl TradingMode {
    /// The port used when none is configured: 7497 (TWS paper) or 7496 (TWS live).
    pub fn default_port(self) -> u16 {
        match self {
            Self::Paper => TWS_PAPER_PORT,
            Self::Live => TWS_LIVE_PORT,
        }
    }
}

impl fmt::Display for TradingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Paper => "PAPER",
            Self::Live => "LIVE",
        })
    }
}

/// What a port number says about the mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortKind {
    /// 7497 or 4002.
    Paper,
    /// 7496 or 4001.
    Live,
    /// Anything else: says nothing; allowed only because it was set explicitly.
    Other,
}

/// Classifies a port by IB's defaults.
pub fn classify_port(port: u16) -> PortKind {
    match port {
        TWS_PAPER_PORT | GATEWAY_PAPER_PORT => PortKind::Paper,
        TWS_LIVE_PORT | GATEWAY_LIVE_PORT => PortKind::Live,
        _ => PortKind::Other,
    }
}

/// Everything [`decide_mode`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct ModeInputs<'a> {
    /// `IBKR_PAPER_TRADING` as given; `None` when unset (which means `true`).
    pub paper_trading: Option<bool>,
    /// Whether `--live` was passed.
    pub live_flag: bool,
    /// The explicitly configured port (`IBKR_PORT` or `connection.port`);
    /// `None` when the port is left to follow the mode.
    pub port: Option<u16>,
    /// How to name the port setting in messages, e.g. `IBKR_PORT` or
    /// `connection.port in config.toml`.
    pub port_setting: &'a str,
    /// `IBKR_ACCOUNT_ID`, if set.
    pub account: Option<&'a AccountId>,
}

/// One setting's vote, as named in a [`ModeConflict`]. Account ids are masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeSignal {
    /// `IBKR_PAPER_TRADING=false` (votes live).
    PaperTradingFalse,
    /// `IBKR_PAPER_TRADING=true`, or unset (`explicit: false`), which defaults to true (votes paper).
    PaperTradingTrue {
        /// Whether the variable was set, rather than defaulted.
        explicit: bool,
    },
    /// `--live` given (votes live).
    LiveFlag,
    /// No `--live` flag (votes paper).
    NoLiveFlag,
    /// A live port, 7496 or 4001 (votes live).
    LivePort {
        /// The port.
        port: u16,
        /// The setting it came from, e.g. `IBKR_PORT`.
        setting: String,
    },
    /// A paper port, 7497 or 4002 (votes paper).
    PaperPort {
        /// The port.
        port: u16,
        /// The setting it came from, e.g. `IBKR_PORT`.
        setting: String,
    },
    /// An account id not starting with `D` (votes live).
    LiveAccount {
        /// The masked id.
        masked: String,
    },
    /// A paper account id, starting with `D` (votes paper).
    PaperAccount {
        /// The masked id.
        masked: String,
    },
    /// No `IBKR_ACCOUNT_ID`: live cannot be confirmed (counts against live).
    MissingAccount,
}

impl ModeSignal {
    /// How to change this setting so that it stops voting the way it does.
    pub fn fix(&self) -> String {
        match self {
            Self::PaperTradingFalse => "set IBKR_PAPER_TRADING=true (or remove it)".into(),
            Self::PaperTradingTrue { .. } => "set IBKR_PAPER_TRADING=false".into(),
            Self::LiveFlag => "run without --live".into(),
            Self::NoLiveFlag => "pass --live".into(),
            Self::LivePort { setting, .. } => format!(
                "set {setting} to {TWS_PAPER_PORT} (TWS paper) or {GATEWAY_PAPER_PORT} (Gateway paper), or remove it"
            ),
            Self::PaperPort { setting, .. } => format!(
                "set {setting} to {TWS_LIVE_PORT} (TWS live) or {GATEWAY_LIVE_PORT} (Gateway live), or remove it"
            ),
            Self::LiveAccount { .. } => {
                "set IBKR_ACCOUNT_ID to your paper account (starts with D, e.g. DU1234567)".into()
            }
            Self::PaperAccount { .. } | Self::MissingAccount => {
                "set IBKR_ACCOUNT_ID to your live account (does not start with D)".into()
            }
        }
    }
}

impl fmt::Display for ModeSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PaperTradingFalse => f.write_str("IBKR_PAPER_TRADING=false"),
            Self::PaperTradingTrue { explicit: true } => f.write_str("IBKR_PAPER_TRADING=true"),
            Self::PaperTradingTrue { explicit: false } => {
                f.write_str("IBKR_PAPER_TRADING unset (defaults to true)")
            }
            Self::LiveFlag => f.write_str("--live"),
            Self::NoLiveFlag => f.write_str("no --live flag"),
            Self::LivePort { port, setting } => write!(f, "{setting} is {port}, a live port"),
            Self::PaperPort { port, setting } => write!(f, "{setting} is {port}, a paper port"),
            Self::LiveAccount { masked } => {
                write!(f, "IBKR_ACCOUNT_ID={masked} (a live account)")
            }
            Self::PaperAccount { masked } => {
                write!(
                    f,
                    "IBKR_ACCOUNT_ID={masked} (a paper account: starts with D)"
                )
            }
            Self::MissingAccount => {
                f.write_str("IBKR_ACCOUNT_ID unset (live needs your live account)")
            }
        }
    }
}

/// The settings disagree about paper vs live; nothing may be sent.
///
/// Guarantees: `live` and `paper` are both non-empty, and together name every
/// setting that must change for either mode (the [`fmt::Display`] output lists
/// the fixes for both directions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeConflict {
    /// Settings asking for live trading.
    pub live: Vec<ModeSignal>,
    /// Settings asking for (or defaulting to) paper trading.
    pub paper: Vec<ModeSignal>,
}

impl fmt::Display for ModeConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |signals: &[ModeSignal]| {
            signals
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        let fixes = |signals: &[ModeSignal]| {
            signals
                .iter()
                .map(ModeSignal::fix)
                .collect::<Vec<_>>()
                .join("; ")
        };
        writeln!(f, "paper/live settings disagree; refusing to trade:")?;
        writeln!(f, "  asking for live:  {}", join(&self.live))?;
        writeln!(f, "  asking for paper: {}", join(&self.paper))?;
        writeln!(f, "  to trade paper: {}", fixes(&self.live))?;
        write!(f, "  to trade live:  {}", fixes(&self.paper))
    }
}

impl std::error::Error for ModeConflict {}

/// Decides paper or live. Live only when `IBKR_PAPER_TRADING=false`, `--live`,
/// the port is a live port / unset / a non-standard explicit port, and the
/// account is set and not a paper account. Paper when no setting asks for live.
///
/// # Errors
/// [`ModeConflict`] naming every disagreeing setting when some settings ask
/// for live and others for paper.
pub fn decide_mode(inputs: &ModeInputs<'_>) -> Result<TradingMode, ModeConflict> {
    let mut live = Vec::new();
    let mut paper = Vec::new();
    match inputs.paper_trading {
        Some(false) => live.push(ModeSignal::PaperTradingFalse),
        Some(true) => paper.push(ModeSignal::PaperTradingTrue { explicit: true }),
        None => paper.push(ModeSignal::PaperTradingTrue { explicit: false }),
    }
    if inputs.live_flag {
        live.push(ModeSignal::LiveFlag);
    } else {
        paper.push(ModeSignal::NoLiveFlag);
    }
    if let Some(port) = inputs.port {
        let setting = inputs.port_setting.to_string();
        match classify_port(port) {
            PortKind::Live => live.push(ModeSignal::LivePort { port, setting }),
            PortKind::Paper => paper.push(ModeSignal::PaperPort { port, setting }),
            PortKind::Other => {}
        }
    }
    match inputs.account {
        Some(account) if account.is_paper() => paper.push(ModeSignal::PaperAccount {
            masked: account.masked(),
        }),
        Some(account) => live.push(ModeSignal::LiveAccount {
            masked: account.masked(),
        }),
        None => paper.push(ModeSignal::MissingAccount),
    }
    match (live.is_empty(), paper.is_empty()) {
        (true, _) => Ok(TradingMode::Paper),
        (false, true) => Ok(TradingMode::Live),
        (false, false) => Err(ModeConflict { live, paper }),
    }
}

#[cfg(test)]
#[path = "mode_tests.rs"]
mod tests;

//! IB's message codes (TWS API "Message Codes" and the `ibapi` crate's own
//! synthesized notices), each named once with what it means for the bot.
//!
//! Owns the numbers: no other module writes a bare IB code. [`meaning`] maps a
//! code to the bot's reading of it; callers branch on [`Meaning`], never on
//! the number or the message text. [`market_data_refusal`] classifies the
//! errors a market-data request can meet (permanent or transient, by code
//! and, for 162 / 420, by IB's text). Pure: no client, no I/O.
//!
//! Source: <https://interactivebrokers.github.io/tws-api/message_codes.html>
//! and `ibapi` 5.5 `src/messages/notice.rs`.

/// 103: duplicate order id — the order was refused.
pub const DUPLICATE_ORDER_ID: i32 = 103;
/// 104: can't modify a filled order.
pub const MODIFY_FILLED: i32 = 104;
/// 105: the order being modified does not match the original.
pub const MODIFY_MISMATCH: i32 = 105;
/// 110: the price does not conform to the contract's minimum tick.
pub const PRICE_OFF_TICK: i32 = 110;
/// 135: can't find the order with that id.
pub const ORDER_NOT_FOUND: i32 = 135;
/// 161: cancel attempted when the order is not in a cancellable state.
pub const NOT_CANCELLABLE: i32 = 161;
/// 162: historical market data service error (pacing violation, no data, …).
pub const HISTORICAL_SERVICE_ERROR: i32 = 162;
/// 200: no security definition has been found for the request.
pub const NO_SECURITY_DEFINITION: i32 = 200;
/// 354: requested market data is not subscribed (reqMktData without the
/// market-data subscription).
pub const MARKET_DATA_NOT_SUBSCRIBED: i32 = 354;
/// 420: invalid real-time query — the text says why: no market data
/// permissions (permanent) or a pacing violation (transient).
pub const INVALID_REALTIME_QUERY: i32 = 420;
/// 201: order rejected (the reason follows in the text).
pub const ORDER_REJECTED: i32 = 201;
/// 202: order cancelled — the confirmation of a cancel.
pub const ORDER_CANCELLED: i32 = 202;
/// 203: the security is not available or allowed for this account.
pub const SECURITY_NOT_ALLOWED: i32 = 203;
/// 321: error validating request — among others, "The API interface is
/// currently in Read-Only mode".
pub const REQUEST_INVALID: i32 = 321;
/// 399: order message — a warning about a working order (e.g. it waits for
/// the market to open); the order is not refused.
pub const ORDER_WARNING: i32 = ibapi::ORDER_MESSAGE_CODE;
/// 1100: connectivity between IB and TWS has been lost.
pub const CONNECTIVITY_LOST: i32 = 1100;
/// 1101: connectivity restored, market data subscriptions lost.
pub const RESTORED_DATA_LOST: i32 = 1101;
/// 1102: connectivity restored, market data subscriptions maintained.
pub const RESTORED_DATA_KEPT: i32 = 1102;
/// 1300: TWS's socket port was reset; this connection is gone.
pub const SOCKET_PORT_RESET: i32 = 1300;
/// 2103: a market data farm connection is broken.
pub const MARKET_FARM_BROKEN: i32 = 2103;
/// 2104: a market data farm connection is OK.
pub const MARKET_FARM_OK: i32 = 2104;
/// 2105: a historical data farm connection is broken.
pub const HISTORY_FARM_BROKEN: i32 = 2105;
/// 2106: a historical data farm connection is OK.
pub const HISTORY_FARM_OK: i32 = 2106;
/// 2107: a historical data farm is inactive, available on demand.
pub const HISTORY_FARM_IDLE: i32 = 2107;
/// 2108: a market data farm is inactive, available on demand.
pub const MARKET_FARM_IDLE: i32 = 2108;
/// 2109: order event warning ("Outside Regular Trading Hours" ignored, …).
pub const ORDER_EVENT_WARNING: i32 = 2109;
/// 2110: connectivity between TWS and its server is broken; restored automatically.
pub const SERVER_LINK_BROKEN: i32 = 2110;
/// 2157: the security-definition data farm connection is broken.
pub const SECDEF_FARM_BROKEN: i32 = 2157;
/// 2158: the security-definition data farm connection is OK.
pub const SECDEF_FARM_OK: i32 = 2158;
/// 10168: requested market data is not subscribed, and delayed market data
/// is not enabled.
pub const DELAYED_NOT_ENABLED: i32 = 10168;
/// 10182: failed to request live updates (disconnected).
pub const LIVE_UPDATES_FAILED: i32 = 10182;
/// 10197: no market data during a competing live session (the live user is
/// logged in elsewhere and takes the data).
pub const COMPETING_LIVE_SESSION: i32 = 10197;
/// 10147: the order to cancel was not found.
pub const CANCEL_NOT_FOUND: i32 = 10147;
/// 10148: the order to cancel cannot be cancelled (already done, or cancelled
/// by its OCA group).
pub const CANCEL_REFUSED: i32 = 10148;
/// `ibapi`'s own notice: its transport reconnected the socket by itself.
/// Server-side state (subscriptions, the order-id floor) must be rebuilt.
pub const TRANSPORT_RECONNECTED: i32 = ibapi::TRANSPORT_RECONNECT_CODE;

/// What one code means for the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// The link to IB is down: send no new order until it is back.
    ConnectionLost,
    /// TWS's own link to IB's server is broken (2110) and is restored by
    /// itself: send no new order until a farm reports OK again
    /// ([`restores_server_link`]) or the connection is restored.
    ServerLinkBroken,
    /// The link is back; reconcile before trading resumes.
    ConnectionRestored {
        /// Whether market data subscriptions must be made again.
        data_lost: bool,
    },
    /// A data farm link is broken (TWS restores it by itself).
    FarmBroken,
    /// A data farm link is fine or idle: informational.
    FarmOk,
    /// An order-bound cancel confirmation: the order is no longer working.
    OrderCancelled,
    /// An order-bound refusal: the order is not (or no longer) working.
    OrderRejected,
    /// A cancel request failed: the order may still be working (161, 10147,
    /// 10148). Never a rejection of the order itself; see
    /// [`cancel_refusal_is_final`] for a 10148 about an order already done.
    CancelFailed,
    /// A warning about a working order: it stays working.
    OrderWarning,
    /// Anything else: log it.
    Other,
}

/// The part of TWS's 321 text that says the "Read-Only API" setting is on
/// (full text: "Error validating request.-'bL' : cause - The API interface is
/// currently in Read-Only mode."; the quoted letters vary by request).
const READ_ONLY_TEXT: &str = "read-only mode";

/// What the operator must change after a Read-Only refusal: one line.
pub const READ_ONLY_FIX: &str = "TWS refuses orders because its API is read-only: in TWS → Global Configuration → API → Settings uncheck \"Read-Only API\" (IB Gateway: Configure → Settings → API → Settings), or run with --read-only to monitor only";

/// True when TWS refused a request because its API is in Read-Only mode:
/// code 321 whose text says so. The one place that reads the 321 text;
/// [`meaning`] still classes every 321 as [`Meaning::OrderRejected`].
pub fn is_read_only_refusal(code: i32, message: &str) -> bool {
    code == REQUEST_INVALID && message.to_ascii_lowercase().contains(READ_ONLY_TEXT)
}

/// What `code` means for the bot.
pub const fn meaning(code: i32) -> Meaning {
    match code {
        CONNECTIVITY_LOST | SOCKET_PORT_RESET => Meaning::ConnectionLost,
        SERVER_LINK_BROKEN => Meaning::ServerLinkBroken,
        RESTORED_DATA_LOST | TRANSPORT_RECONNECTED => {
            Meaning::ConnectionRestored { data_lost: true }
        }
        RESTORED_DATA_KEPT => Meaning::ConnectionRestored { data_lost: false },
        MARKET_FARM_BROKEN | HISTORY_FARM_BROKEN | SECDEF_FARM_BROKEN => Meaning::FarmBroken,
        MARKET_FARM_OK | HISTORY_FARM_OK | HISTORY_FARM_IDLE | MARKET_FARM_IDLE
        | SECDEF_FARM_OK => Meaning::FarmOk,
        ORDER_CANCELLED => Meaning::OrderCancelled,
        DUPLICATE_ORDER_ID
        | MODIFY_FILLED
        | MODIFY_MISMATCH
        | PRICE_OFF_TICK
        | ORDER_NOT_FOUND
        | NO_SECURITY_DEFINITION
        | ORDER_REJECTED
        | SECURITY_NOT_ALLOWED
        | REQUEST_INVALID => Meaning::OrderRejected,
        NOT_CANCELLABLE | CANCEL_NOT_FOUND | CANCEL_REFUSED => Meaning::CancelFailed,
        ORDER_WARNING | ORDER_EVENT_WARNING => Meaning::OrderWarning,
        _ => Meaning::Other,
    }
}

/// Why TWS refused or stopped a market-data request, as far as the bot acts
/// on it. [`DataRefusal::is_permanent`] splits what is retried from what is
/// not; [`DataRefusal::fix`] says what the operator must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataRefusal {
    /// 200: TWS knows no such contract.
    UnknownSymbol,
    /// 354, 420 or 162 saying "No market data permissions": the user has no
    /// market-data subscription for it.
    NoPermission,
    /// 10168: not subscribed, and delayed data is not enabled.
    DelayedNotEnabled,
    /// 10197: the live user is logged in elsewhere and takes the data.
    CompetingSession,
    /// 10182, 2103, 2105: a data farm or the live-updates link is down.
    FarmDown,
    /// 162 or 420 saying "pacing violation": too many requests.
    Pacing,
}

impl DataRefusal {
    /// Permanent for this session: the symbol is not requested again.
    pub const fn is_permanent(self) -> bool {
        matches!(
            self,
            Self::UnknownSymbol | Self::NoPermission | Self::DelayedNotEnabled
        )
    }

    /// A short name for logs, the status line and the report.
    pub const fn label(self) -> &'static str {
        match self {
            Self::UnknownSymbol => "unknown symbol",
            Self::NoPermission => "no market data permission",
            Self::DelayedNotEnabled => "not subscribed, delayed data not enabled",
            Self::CompetingSession => "competing live session",
            Self::FarmDown => "data farm down",
            Self::Pacing => "pacing violation",
        }
    }

    /// What the operator must do about it: one sentence.
    pub const fn fix(self) -> &'static str {
        match self {
            Self::UnknownSymbol => "TWS knows no US stock by this symbol on SMART: fix the symbol in the strategy file",
            Self::NoPermission => "this login has no market data for the symbol: subscribe to the exchange's data in Client Portal (Settings → Market Data Subscriptions), and for a paper account enable market-data sharing from the live user (Settings → Paper Trading Account → Share real-time market data subscriptions), then restart TWS and the bot",
            Self::DelayedNotEnabled => "no live subscription and delayed data is off: subscribe to the exchange's data in Client Portal, or for a paper account enable market-data sharing from the live user, then restart TWS and the bot",
            Self::CompetingSession => "the live user is logged in elsewhere (TWS, Client Portal or the mobile app) and takes the market data: log out there; the bot retries by itself",
            Self::FarmDown => "IB's data farm is unreachable (network or IB's side): the bot retries by itself; check TWS's connection status if it lasts",
            Self::Pacing => "too many market data requests: the bot waits and retries inside IB's budget; nothing to change unless it repeats",
        }
    }
}

/// The words in IB's texts that tell a pacing violation from a permission
/// refusal under the same code (162 and 420 carry both).
const PACING_TEXT: &str = "pacing violation";

/// Classifies a market-data error: `None` for a code that does not concern
/// market data requests (or that the bot does not act on).
///
/// 162 and 420 are told apart by IB's text: "…pacing violation" is transient,
/// "No market data permissions…" is permanent; any other 162 (e.g. "HMDS
/// query returned no data") is not a refusal of the subscription. A 420 with
/// any other text is read as no permission (IB documents 420 as "Invalid
/// real-time query", and the texts seen are permissions or pacing).
pub fn market_data_refusal(code: i32, message: &str) -> Option<DataRefusal> {
    let text = message.to_ascii_lowercase();
    let pacing = text.contains(PACING_TEXT);
    match code {
        NO_SECURITY_DEFINITION => Some(DataRefusal::UnknownSymbol),
        MARKET_DATA_NOT_SUBSCRIBED => Some(DataRefusal::NoPermission),
        INVALID_REALTIME_QUERY if pacing => Some(DataRefusal::Pacing),
        INVALID_REALTIME_QUERY => Some(DataRefusal::NoPermission),
        HISTORICAL_SERVICE_ERROR if pacing => Some(DataRefusal::Pacing),
        HISTORICAL_SERVICE_ERROR if text.contains("no market data permissions") => {
            Some(DataRefusal::NoPermission)
        }
        DELAYED_NOT_ENABLED => Some(DataRefusal::DelayedNotEnabled),
        COMPETING_LIVE_SESSION => Some(DataRefusal::CompetingSession),
        LIVE_UPDATES_FAILED | MARKET_FARM_BROKEN | HISTORY_FARM_BROKEN => {
            Some(DataRefusal::FarmDown)
        }
        _ => None,
    }
}

/// Whether `code` says TWS's link to IB's server works again after a 2110:
/// a market data (2104) or historical data (2106) farm reports OK. (2107 /
/// 2108 "inactive, available on demand" and the security-definition farm say
/// nothing about the link.)
pub const fn restores_server_link(code: i32) -> bool {
    matches!(code, MARKET_FARM_OK | HISTORY_FARM_OK)
}

/// The order states in which a 10148 ("OrderId N that needs to be cancelled
/// cannot be cancelled, state: S.") means the order is already done, so the
/// failed cancel is moot (TWS's own status message reports the end).
const FINAL_STATES: [&str; 4] = ["Filled", "Cancelled", "ApiCancelled", "Inactive"];

/// Whether a failed cancel's text says the order already ended (10148 with
/// a final state): then nothing is live and nothing needs retrying. Any other
/// state (PendingCancel, Submitted, …), or a text without a state, means
/// the order may still be working.
pub fn cancel_refusal_is_final(code: i32, message: &str) -> bool {
    if code != CANCEL_REFUSED {
        return false;
    }
    let Some((_, state)) = message.rsplit_once("state:") else {
        return false;
    };
    let state = state.trim().trim_end_matches('.').trim();
    FINAL_STATES.contains(&state)
}

/// The part of a 399 text that says TWS holds the order until the market
/// opens (full text, e.g. "Order Message:\nSELL 10 SPY ARCA\nWarning: your
/// order will not be placed at the exchange until 2026-01-06 09:30:00
/// US/Eastern"; newer TWS versions write "Your" and end with a period).
const PARKED_TEXT: &str = "will not be placed at the exchange until";

/// When a 399 says the order is parked until the market opens: the time TWS
/// names (`2026-01-06 09:30:00 US/Eastern`), as TWS wrote it. The order is
/// accepted and still working; it executes at that open. The one place that
/// reads the 399 text.
pub fn parked_until(code: i32, message: &str) -> Option<&str> {
    if code != ORDER_WARNING {
        return None;
    }
    let at = message.to_ascii_lowercase().find(PARKED_TEXT)? + PARKED_TEXT.len();
    let until = message.get(at..)?.trim().trim_end_matches('.').trim();
    (!until.is_empty()).then_some(until)
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;

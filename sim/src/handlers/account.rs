//! Account requests: positions, account summary, account updates, PnL.

use rust_decimal::Decimal;

use crate::codec::encode_message;
use crate::proto;
use crate::state::{ConnId, SimState};
use crate::wire::{self, id};

/// Tags answered for `All` / `$LEDGER` account summary requests.
const ALL_TAGS: [&str; 19] = [
    "AccountType",
    "NetLiquidation",
    "TotalCashValue",
    "SettledCash",
    "AccruedCash",
    "BuyingPower",
    "EquityWithLoanValue",
    "GrossPositionValue",
    "InitMarginReq",
    "MaintMarginReq",
    "AvailableFunds",
    "ExcessLiquidity",
    "Cushion",
    "FullInitMarginReq",
    "FullMaintMarginReq",
    "RealizedPnL",
    "UnrealizedPnL",
    "Currency",
    "ExchangeRate",
];

/// A session's account subscriptions: (conn, positions, account updates, summaries).
type Subscribers = (ConnId, bool, bool, Vec<(i32, Vec<String>)>);

fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

impl SimState {
    /// Value of one account tag, or `None` for unknown tags.
    /// Money values are in the account's base currency (TWS reports the
    /// summary in it), converted at `exchange_rate_usd`.
    pub(crate) fn account_tag(&self, tag: &str) -> Option<(String, String)> {
        let base = self.base_currency();
        let (value, currency) = self.account_tag_usd(tag)?;
        Some(match (tag, currency) {
            ("Currency", _) => (base.clone(), base),
            ("ExchangeRate", _) => ("1.00".to_string(), base),
            (_, "USD") => (money(self.in_base(value.parse().ok()?)), base),
            _ => (value, currency.to_string()),
        })
    }

    fn account_tag_usd(&self, tag: &str) -> Option<(String, &'static str)> {
        let mark = |s: &str| self.mark(s);
        let nl = self.account.net_liquidation(mark);
        let gpv = self.account.gross_position_value(mark);
        let init = gpv * Decimal::new(5, 1);
        let maint = gpv * Decimal::new(25, 2);
        Some(match tag {
            "Currency" | "ExchangeRate" => (String::new(), ""),
            "AccountType" => ("INDIVIDUAL".to_string(), ""),
            "NetLiquidation" | "EquityWithLoanValue" => (money(nl), "USD"),
            "TotalCashValue" | "SettledCash" => (money(self.account.cash), "USD"),
            "AccruedCash" => (money(Decimal::ZERO), "USD"),
            "GrossPositionValue" => (money(gpv), "USD"),
            "InitMarginReq" | "FullInitMarginReq" => (money(init), "USD"),
            "MaintMarginReq" | "FullMaintMarginReq" => (money(maint), "USD"),
            "AvailableFunds" => (money(nl - init), "USD"),
            "ExcessLiquidity" => (money(nl - maint), "USD"),
            "BuyingPower" => (money((nl - init) * Decimal::from(4)), "USD"),
            "Cushion" => (
                if nl.is_zero() {
                    "0".into()
                } else {
                    format!("{:.6}", ((nl - maint) / nl).round_dp(6))
                },
                "",
            ),
            "RealizedPnL" => (money(self.account.realized()), "USD"),
            "UnrealizedPnL" => (money(self.account.unrealized(mark)), "USD"),
            _ => return None,
        })
    }

    pub(super) fn positions(&mut self, conn: ConnId) {
        if self.config.positions_unanswered {
            tracing::warn!(conn, "reqPositions left unanswered (positions_unanswered)");
            return;
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.positions = true;
        }
        for f in self.position_frames() {
            self.send(conn, f);
        }
        self.send(conn, wire::empty(id::POSITION_END));
    }

    fn position_frames(&self) -> Vec<Vec<u8>> {
        self.account
            .holdings
            .iter()
            .filter_map(|(sym, h)| {
                let contract = self.holding_contract(sym)?;
                Some(wire::position_of(
                    &self.account.id,
                    contract,
                    h.qty,
                    h.avg_cost().round_dp(6),
                ))
            })
            .collect()
    }

    pub(super) fn account_summary(&mut self, conn: ConnId, r: proto::AccountSummaryRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        let tags: Vec<String> = r
            .tags
            .unwrap_or_default()
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .flat_map(|t| {
                if t == "All" || t == "$LEDGER" || t == "$LEDGER:ALL" {
                    ALL_TAGS.iter().map(|s| s.to_string()).collect()
                } else {
                    vec![t]
                }
            })
            .collect();
        self.send_summary(conn, req_id, &tags);
        self.send(conn, wire::req_id_only(id::ACCOUNT_SUMMARY_END, req_id));
        if let Some(c) = self.conns.get_mut(&conn) {
            c.summaries.insert(req_id, tags);
        }
    }

    fn send_summary(&mut self, conn: ConnId, req_id: i32, tags: &[String]) {
        let account = self.account.id.clone();
        for tag in tags {
            if let Some((value, currency)) = self.account_tag(tag) {
                self.send(
                    conn,
                    wire::account_summary(req_id, &account, tag, &value, &currency),
                );
            }
        }
    }

    fn account_value_frames(&self) -> Vec<Vec<u8>> {
        let mut frames: Vec<Vec<u8>> = ALL_TAGS
            .iter()
            .filter_map(|tag| {
                self.account_tag(tag)
                    .map(|(v, c)| wire::account_value(tag, &v, &c, &self.account.id))
            })
            .collect();
        // TWS's rate for each currency held, in base units: here USD.
        if self.config.base_currency != "USD" {
            let rate = self.config.exchange_rate_usd.to_string();
            frames.push(wire::account_value(
                "ExchangeRate",
                &rate,
                "USD",
                &self.account.id,
            ));
        }
        for (sym, h) in &self.account.holdings {
            let Some(contract) = self.holding_contract(sym) else {
                continue;
            };
            let mark = self.mark(sym).unwrap_or_else(|| h.avg_cost());
            let msg = proto::PortfolioValue {
                contract: Some(contract),
                position: Some(wire::s(h.qty)),
                market_price: Some(wire::f(mark)),
                market_value: Some(wire::f(h.qty * mark)),
                average_cost: Some(wire::f(h.avg_cost())),
                unrealized_pnl: Some(wire::f(h.unrealized(mark))),
                realized_pnl: Some(wire::f(h.realized)),
                account_name: Some(self.account.id.clone()),
            };
            frames.push(encode_message(id::PORTFOLIO_VALUE, &msg));
        }
        let stamp = self.clock.now().format("%H:%M").to_string();
        frames.push(encode_message(
            id::ACCOUNT_UPDATE_TIME,
            &proto::AccountUpdateTime {
                time_stamp: Some(stamp),
            },
        ));
        frames
    }

    pub(super) fn account_updates(&mut self, conn: ConnId, r: proto::AccountDataRequest) {
        let subscribe = r.subscribe.unwrap_or(false);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.account_updates = subscribe;
        }
        if !subscribe {
            return;
        }
        for f in self.account_value_frames() {
            self.send(conn, f);
        }
        let end = encode_message(
            id::ACCOUNT_DOWNLOAD_END,
            &proto::AccountDataEnd {
                account_name: Some(self.account.id.clone()),
            },
        );
        self.send(conn, end);
    }

    fn pnl_frame(&self, req_id: i32) -> Vec<u8> {
        let mark = |s: &str| self.mark(s);
        let realized = self.in_base(self.account.realized());
        let unrealized = self.in_base(self.account.unrealized(mark));
        // IB's daily PnL counts carried positions from the prior close.
        let daily = self.in_base(
            self.account.net_liquidation(mark)
                - self.account.starting_cash
                - self.carried_before_today(None),
        );
        encode_message(
            id::PNL,
            &proto::PnL {
                req_id: Some(req_id),
                daily_pn_l: Some(wire::f(daily)),
                unrealized_pn_l: Some(wire::f(unrealized)),
                realized_pn_l: Some(wire::f(realized)),
            },
        )
    }

    fn pnl_single_frame(&self, req_id: i32, idx: usize) -> Option<Vec<u8>> {
        let sym = &self.market.spec(idx)?.symbol;
        let h = self.account.holding(sym);
        let mark = self.mark(sym)?;
        let unrealized = h.unrealized(mark);
        let daily = h.realized + unrealized - self.carried_before_today(Some(sym));
        Some(encode_message(
            id::PNL_SINGLE,
            &proto::PnLSingle {
                req_id: Some(req_id),
                position: Some(wire::s(h.qty)),
                daily_pn_l: Some(wire::f(self.in_base(daily))),
                unrealized_pn_l: Some(wire::f(self.in_base(unrealized))),
                realized_pn_l: Some(wire::f(self.in_base(h.realized))),
                value: Some(wire::f(self.in_base(h.qty * mark))),
            },
        ))
    }

    pub(super) fn pnl(&mut self, conn: ConnId, r: proto::PnLRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.pnl.insert(req_id);
        }
        let f = self.pnl_frame(req_id);
        self.send(conn, f);
    }

    pub(super) fn pnl_single(&mut self, conn: ConnId, r: proto::PnLSingleRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        let Some(idx) = r.con_id.and_then(|c| self.market.index_by_con_id(c)) else {
            self.no_security(conn, req_id);
            return;
        };
        if let Some(c) = self.conns.get_mut(&conn) {
            c.pnl_single.insert(req_id, idx);
        }
        if let Some(f) = self.pnl_single_frame(req_id, idx) {
            self.send(conn, f);
        }
    }

    /// Sends fresh PnL / PnL single values to their subscribers.
    pub(crate) fn push_pnl(&mut self) {
        let mut out = Vec::new();
        for (cid, c) in &self.conns {
            for r in &c.pnl {
                out.push((*cid, self.pnl_frame(*r)));
            }
            for (r, idx) in &c.pnl_single {
                if let Some(f) = self.pnl_single_frame(*r, *idx) {
                    out.push((*cid, f));
                }
            }
        }
        for (cid, f) in out {
            self.send(cid, f);
        }
    }

    /// After a fill: refresh position, account update, summary and PnL subscribers.
    pub(crate) fn account_changed(&mut self) {
        let positions = self.position_frames();
        let values = self.account_value_frames();
        let conns: Vec<Subscribers> = self
            .conns
            .iter()
            .map(|(id, c)| {
                (
                    *id,
                    c.positions,
                    c.account_updates,
                    c.summaries.iter().map(|(r, t)| (*r, t.clone())).collect(),
                )
            })
            .collect();
        for (conn, pos, upd, summaries) in conns {
            if pos {
                for f in &positions {
                    self.send(conn, f.clone());
                }
            }
            if upd {
                for f in &values {
                    self.send(conn, f.clone());
                }
            }
            for (req_id, tags) in summaries {
                self.send_summary(conn, req_id, &tags);
            }
        }
        self.push_pnl();
    }
}

//! Session requests: startApi, current time, ids, accounts, contract details.

use tokio::sync::mpsc;

use crate::codec::encode_message;
use crate::proto;
use crate::state::{Conn, ConnId, Out, SimState};
use crate::wire::{self, id};

/// TWS's error for a client id held by another session.
pub const CLIENT_ID_IN_USE: i32 = 326;

/// `SMART`, the primary exchange, then the usual venues, without repeats.
fn valid_exchanges(primary: &str) -> String {
    let mut list = vec!["SMART", primary];
    for venue in ["ARCA", "NASDAQ", "NYSE", "IEX"] {
        if !list.contains(&venue) {
            list.push(venue);
        }
    }
    list.join(",")
}

impl SimState {
    /// Registers a session after startApi. A client id already in use is
    /// refused with error 326 and the socket is closed; returns whether the
    /// session was accepted.
    pub fn start_api(&mut self, conn: ConnId, client_id: i32, tx: mpsc::Sender<Out>) -> bool {
        if self.conns.values().any(|c| c.client_id == client_id) {
            tracing::warn!(conn, client_id, "client id already in use");
            let msg = "Unable to connect as the client id is already in use. Retry with a unique client id.";
            let _ = tx.try_send(Out::Frame(wire::error(
                -1,
                CLIENT_ID_IN_USE,
                msg,
                self.now_ms(),
            )));
            let _ = tx.try_send(Out::Close);
            return false;
        }
        self.conns.insert(conn, Conn::new(client_id, tx));
        tracing::info!(conn, client_id, "API session started");
        self.next_valid_id = self.next_valid_id.max(self.exchange.max_order_id() + 1);
        let next = self.next_valid_id;
        self.send(
            conn,
            encode_message(
                id::NEXT_VALID_ID,
                &proto::NextValidId {
                    order_id: Some(next),
                },
            ),
        );
        self.managed_accounts(conn);
        let now = self.now_ms();
        for (code, text) in [
            (2104, "Market data farm connection is OK:usfarm"),
            (2106, "HMDS data farm connection is OK:ushmds"),
            (2158, "Sec-def data farm connection is OK:secdefnj"),
        ] {
            self.send(conn, wire::error(-1, code, text, now));
        }
        true
    }

    pub(super) fn current_time(&mut self, conn: ConnId, millis: bool) {
        let now = self.clock.now_utc();
        let frame = if millis {
            encode_message(
                id::CURRENT_TIME_IN_MILLIS,
                &proto::CurrentTimeInMillis {
                    current_time_in_millis: Some(now.timestamp_millis()),
                },
            )
        } else {
            encode_message(
                id::CURRENT_TIME,
                &proto::CurrentTime {
                    current_time: Some(now.timestamp()),
                },
            )
        };
        self.send(conn, frame);
    }

    pub(super) fn next_valid_id(&mut self, conn: ConnId) {
        self.next_valid_id = self.next_valid_id.max(self.exchange.max_order_id() + 1);
        let next = self.next_valid_id;
        self.send(
            conn,
            encode_message(
                id::NEXT_VALID_ID,
                &proto::NextValidId {
                    order_id: Some(next),
                },
            ),
        );
    }

    pub(super) fn managed_accounts(&mut self, conn: ConnId) {
        let accounts = self.account.id.clone();
        self.send(
            conn,
            encode_message(
                id::MANAGED_ACCOUNTS,
                &proto::ManagedAccounts {
                    accounts_list: Some(accounts),
                },
            ),
        );
    }

    /// Resolves a request's contract to a symbol index (by symbol, else con id).
    pub(super) fn resolve(&self, contract: Option<&proto::Contract>) -> Option<usize> {
        let c = contract?;
        if let Some(sec_type) = c.sec_type.as_deref() {
            if !sec_type.is_empty() && !sec_type.eq_ignore_ascii_case("STK") {
                return None;
            }
        }
        match c.symbol.as_deref() {
            Some(sym) if !sym.is_empty() => self.market.index(sym),
            _ => c.con_id.and_then(|id| self.market.index_by_con_id(id)),
        }
    }

    pub(super) fn no_security(&mut self, conn: ConnId, req_id: i32) {
        self.send_error(
            conn,
            req_id,
            200,
            "No security definition has been found for the request",
        );
    }

    pub(super) fn contract_details(&mut self, conn: ConnId, r: proto::ContractDataRequest) {
        let req_id = r.req_id.unwrap_or(-1);
        let Some(spec) = self
            .resolve(r.contract.as_ref())
            .and_then(|i| self.market.spec(i))
            .cloned()
        else {
            self.no_security(conn, req_id);
            return;
        };
        let exchanges = valid_exchanges(&spec.primary_exchange);
        let rule_ids = self
            .market
            .index(&spec.symbol)
            .map(|i| self.market_rule_ids(i, &exchanges));
        let details = proto::ContractDetails {
            market_name: Some(spec.symbol.clone()),
            min_tick: Some(wire::s(spec.tick_size)),
            order_types: Some("ACTIVETIM,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,DAY,GTC,LIT,LMT,MIT,MKT,OCA,STP,STPLMT,TRAIL".into()),
            valid_exchanges: Some(exchanges),
            market_rule_ids: rule_ids,
            long_name: Some(spec.long_name.clone()),
            industry: Some("Simulated".into()),
            time_zone_id: Some("US/Eastern".into()),
            trading_hours: Some(format!("{}:0400-{}:2000", self.clock.now().format("%Y%m%d"), self.clock.now().format("%Y%m%d"))),
            liquid_hours: Some(format!("{}:0930-{}:1600", self.clock.now().format("%Y%m%d"), self.clock.now().format("%Y%m%d"))),
            stock_type: Some(if spec.long_name.contains("ETF") || spec.long_name.contains("TRUST") { "ETF" } else { "COMMON" }.into()),
            min_size: Some("1".into()),
            size_increment: Some("1".into()),
        };
        let frame = encode_message(
            id::CONTRACT_DATA,
            &proto::ContractData {
                req_id: Some(req_id),
                contract: Some(wire::contract(&spec)),
                contract_details: Some(details),
            },
        );
        self.send(conn, frame);
        self.send(conn, wire::req_id_only(id::CONTRACT_DATA_END, req_id));
    }
}

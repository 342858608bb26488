//! Issue 7, "Done when": the real binary against a standalone tws-sim child
//! process, killed with SIGKILL at the two crash points around a send (and
//! while HALTED), then restarted. After the restart and a clean Ctrl+C:
//! no order reached the simulator twice, every execution at the simulator is
//! in the journal, the journal's positions equal the simulator's, nothing is
//! left unresolved, and a latched HALTED state is still latched.

mod common_crash;

use std::collections::BTreeSet;
use std::time::Duration;

use common_crash::{day, field, inspect, Bot, Sim, SimState, Workspace};
use first_trading_app::domain::types::TradingState;
use first_trading_app::journal::{Journal, OrderRecord, OrderStatus};
use first_trading_app::risk::HaltCause;
use rust_decimal::Decimal;

/// The halt cause of the day's latest journaled latch.
fn latched_cause(journal: &Journal) -> Option<HaltCause> {
    let rows = journal.trading_states_on(day()).unwrap();
    rows.last()
        .and_then(|row| row.latch)
        .and_then(|latch| latch.cause)
}

/// The journal's orders of the day that never got an acknowledgement: the
/// ones the crash point cut off.
fn unacknowledged(journal: &Journal) -> Vec<OrderRecord> {
    journal
        .orders_on(day())
        .unwrap()
        .into_iter()
        .filter(|o| matches!(o.state, OrderStatus::Intent | OrderStatus::Sent))
        .collect()
}

/// The checks common to every restart: the simulator and the journal agree.
fn assert_journal_matches_sim(journal: &Journal, sim: &SimState, final_report: &str) {
    sim.assert_no_duplicate_orders();

    // Every execution at the simulator is journaled, and nothing else is.
    let at_sim: BTreeSet<String> = sim.executions.iter().map(|e| e.exec_id.clone()).collect();
    let journaled: BTreeSet<String> = journal
        .executions_on(day())
        .unwrap()
        .into_iter()
        .map(|e| e.exec_id)
        .collect();
    assert!(!at_sim.is_empty(), "the bot traded at the simulator");
    assert_eq!(journaled, at_sim, "journaled executions vs the simulator's");

    // Every order at the simulator was journaled first; every journaled
    // order's fill equals the simulator's executions for its orderRef.
    let orders = journal.orders_on(day()).unwrap();
    for order in &sim.orders {
        let journaled = orders
            .iter()
            .find(|o| o.order_ref.to_string() == order.order_ref)
            .unwrap_or_else(|| panic!("order {order:?} at the simulator is not in the journal"));
        // Completed orders carry no order id on the wire (-1); their
        // executions do.
        let ib_id = Some(order.order_id).filter(|id| *id > 0).or_else(|| {
            sim.executions
                .iter()
                .find(|e| e.order_ref == order.order_ref)
                .map(|e| e.order_id)
        });
        if ib_id.is_some() {
            assert_eq!(
                journaled.ib_order_id, ib_id,
                "IB order id of {}",
                order.order_ref
            );
        }
    }
    for order in &orders {
        let reference = order.order_ref.to_string();
        let filled: Decimal = sim
            .executions
            .iter()
            .filter(|e| e.order_ref == reference)
            .map(|e| e.quantity)
            .sum();
        assert_eq!(order.filled, filled, "filled quantity of {reference}");
        assert!(
            order.state.is_terminal(),
            "{reference} is still {} after the clean exit",
            order.state
        );
    }
    assert!(
        journal.unresolved_orders().unwrap().is_empty(),
        "unresolved: {:?}",
        journal.unresolved_orders().unwrap()
    );

    // The journal's position (replayed from its executions) is the simulator's.
    let report = journal.day_report(day()).unwrap();
    let journal_position: Decimal = report
        .pnl
        .iter()
        .filter(|p| p.symbol.as_str() == "SPY")
        .map(|p| p.position)
        .sum();
    let sim_position = sim.position("SPY");
    assert_eq!(
        journal_position, sim_position,
        "SPY position: journal vs simulator"
    );
    // The final report printed on exit shows the same position.
    if sim_position.is_zero() {
        assert!(
            final_report.contains("positions (TWS): flat"),
            "{final_report}"
        );
    } else {
        let line = final_report
            .lines()
            .find(|l| l.trim_start().starts_with("SPY"))
            .unwrap_or_else(|| panic!("no SPY position in the final report:\n{final_report}"));
        let quantity: Decimal = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(quantity, sim_position, "{final_report}");
    }
}

/// Starts the bot again without a crash point, waits until it has adopted the
/// broker state and sent at least one new order, then stops it with SIGINT.
/// Returns the restarted bot's final report.
fn restart_and_trade(ws: &Workspace, sim: &Sim, before: usize) -> String {
    let mut bot = Bot::start(ws, sim.port, None, "second");
    bot.wait_log("broker state adopted", Duration::from_secs(15));
    // Trading resumes: a new order reaches the simulator.
    common_crash::wait_for(
        "a new order at the simulator after the restart",
        Duration::from_secs(15),
        || (inspect(sim.port).orders.len() > before).then_some(()),
    );
    bot.stop()
}

#[test]
fn killed_right_after_a_send_restarts_without_duplicates_or_lost_fills() {
    let ws = Workspace::new("max_daily_loss_pct = 0.5");
    let sim = Sim::start(ws.path());

    let mut first = Bot::start(&ws, sim.port, Some("after-send"), "first");
    let status = first.wait_exit(Duration::from_secs(20));
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "the bot killed itself at the crash point: {status}\n{}",
        first.log_text()
    );

    // The crash point did what it says: orders sent, their send not journaled,
    // and no fill journaled yet (the kill came with the first order).
    let cut = unacknowledged(&ws.open_journal());
    assert_eq!(ws.open_journal().executions_on(day()).unwrap(), vec![]);
    assert!(
        !cut.is_empty(),
        "an order was cut off between send and journal"
    );
    let at_sim = inspect(sim.port);
    let sim_refs = at_sim.orders_by_ref();
    for order in &cut {
        assert!(
            sim_refs.contains_key(&order.order_ref.to_string()),
            "{} was sent before the kill; simulator holds {:?}",
            order.order_ref,
            sim_refs.keys()
        );
    }

    let report = restart_and_trade(&ws, &sim, at_sim.orders.len());

    let journal = ws.open_journal();
    let sim_state = inspect(sim.port);
    assert_journal_matches_sim(&journal, &sim_state, &report);
    // The cut-off orders were adopted, not resent: each is at the simulator once.
    for order in &cut {
        let reference = order.order_ref.to_string();
        assert_eq!(
            sim_state.orders_by_ref().get(&reference).map(Vec::len),
            Some(1),
            "{reference}"
        );
    }
}

#[test]
fn killed_between_journal_write_and_send_resolves_without_resending() {
    let ws = Workspace::new("max_daily_loss_pct = 0.5");
    let sim = Sim::start(ws.path());

    let mut first = Bot::start(&ws, sim.port, Some("after-journal-write"), "first");
    let status = first.wait_exit(Duration::from_secs(20));
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "the bot killed itself at the crash point: {status}\n{}",
        first.log_text()
    );

    // Journaled, never sent: the simulator has seen no order at all.
    let cut = unacknowledged(&ws.open_journal());
    assert!(!cut.is_empty(), "an intent was journaled before the kill");
    assert!(cut
        .iter()
        .all(|o| o.state == OrderStatus::Intent && o.ib_order_id.is_none()));
    let at_sim = inspect(sim.port);
    assert!(
        at_sim.orders.is_empty(),
        "nothing was sent: {:?}",
        at_sim.orders
    );

    let report = restart_and_trade(&ws, &sim, 0);

    let journal = ws.open_journal();
    let sim_state = inspect(sim.port);
    assert_journal_matches_sim(&journal, &sim_state, &report);
    let sim_refs = sim_state.orders_by_ref();
    for order in &cut {
        let reference = order.order_ref.to_string();
        assert!(
            !sim_refs.contains_key(&reference),
            "{reference} was resent after the restart"
        );
        let now = journal.order(&order.order_ref).unwrap().unwrap();
        assert_eq!(now.state, OrderStatus::Cancelled, "{reference} resolved");
        assert_eq!(now.filled, Decimal::ZERO, "{reference}");
    }
}

#[test]
fn a_latched_halt_survives_kill_9() {
    // 0.0001 % of 1,000,000 = 1.00: the first commission alone halts trading.
    let ws = Workspace::new("max_daily_loss_pct = 0.000001");
    let sim = Sim::start(ws.path());

    let mut first = Bot::start(&ws, sim.port, None, "first");
    first.wait_log("→ HALTED", Duration::from_secs(20));
    // The log line precedes the journal write: wait for the journal itself.
    common_crash::wait_for("HALTED in the journal", Duration::from_secs(5), || {
        ws.open_journal()
            .latched_state(day())
            .unwrap()
            .filter(|(state, _)| *state == TradingState::Halted)
    });
    first.kill9();
    let (state, _) = ws.open_journal().latched_state(day()).unwrap().unwrap();
    assert_eq!(state, TradingState::Halted);
    assert!(
        matches!(
            latched_cause(&ws.open_journal()),
            Some(HaltCause::DailyLoss(_))
        ),
        "the daily-loss latch"
    );
    let states_before = ws.open_journal().trading_states_on(day()).unwrap();
    let before: BTreeSet<String> = inspect(sim.port).orders_by_ref().into_keys().collect();

    let mut second = Bot::start(&ws, sim.port, None, "second");
    let line = second.wait_log(
        "restoring the trading state journaled today",
        Duration::from_secs(15),
    );
    assert_eq!(field(&line, "state").as_deref(), Some("HALTED"), "{line}");
    second.wait_log("broker state adopted", Duration::from_secs(15));
    // The strategy keeps signalling; the restored latch refuses its entries.
    second.wait_log("risk gate rejected", Duration::from_secs(15));
    let report = second.stop();
    assert!(report.contains("trading state:    HALTED"), "{report}");
    // It started HALTED: it never had to halt again (an ACTIVE start would
    // have logged and journaled a fresh ACTIVE → HALTED change).
    assert_eq!(
        second.log_lines("→ HALTED"),
        Vec::<String>::new(),
        "the restarted bot started ACTIVE"
    );
    let states_after = ws.open_journal().trading_states_on(day()).unwrap();
    assert_eq!(
        states_after, states_before,
        "no new trading-state change after the restart"
    );

    let after = inspect(sim.port);
    after.assert_no_duplicate_orders();
    let new: Vec<String> = after
        .orders_by_ref()
        .into_keys()
        .filter(|r| !before.contains(r))
        .collect();
    assert!(
        new.iter().all(|r| !r.ends_with("-E")),
        "entries reached the simulator after the restart: {new:?}"
    );
    let (state, _) = ws.open_journal().latched_state(day()).unwrap().unwrap();
    assert_eq!(state, TradingState::Halted);
    assert!(
        matches!(
            latched_cause(&ws.open_journal()),
            Some(HaltCause::DailyLoss(_))
        ),
        "still the daily-loss latch"
    );
}

#[test]
fn a_clean_shutdown_does_not_halt_the_next_start() {
    // Ctrl+C halts the session it ends (and journals that HALTED). Starting
    // the bot again the same day is the operator's decision to trade: the
    // shutdown's halt must not be restored as if it were a daily-loss latch.
    let ws = Workspace::new("max_daily_loss_pct = 0.5");
    let sim = Sim::start(ws.path());

    let mut first = Bot::start(&ws, sim.port, None, "first");
    common_crash::wait_for(
        "a first order at the simulator",
        Duration::from_secs(15),
        || (!inspect(sim.port).orders.is_empty()).then_some(()),
    );
    first.stop();
    let (state, _) = ws.open_journal().latched_state(day()).unwrap().unwrap();
    assert_eq!(
        state,
        TradingState::Halted,
        "the shutdown journals its halt"
    );
    let before = inspect(sim.port).orders.len();

    let report = restart_and_trade(&ws, &sim, before);

    let journal = ws.open_journal();
    assert_journal_matches_sim(&journal, &inspect(sim.port), &report);
}

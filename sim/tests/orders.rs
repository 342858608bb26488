//! Orders through the real `ibapi` client: each order type, TWS message order,
//! brackets, OCA, cancel, global cancel, modify, errors, open orders.

mod common;

use std::time::Duration;

use ibapi::orders::{order_builder, Action, CancelOrder, ExecutionSide, Order, OrderStatusKind};
use ibapi::prelude::*;
use rust_decimal_macros::dec;
use tws_sim::Status;

use common::*;

fn aapl() -> Contract {
    Contract::stock("AAPL").build()
}

/// Reads place-order items until `done` says stop; returns them all.
async fn collect(
    sub: &mut Subscription<PlaceOrder>,
    mut done: impl FnMut(&PlaceOrder) -> bool,
) -> Vec<PlaceOrder> {
    let mut items = Vec::new();
    loop {
        let item = next_data!(sub);
        let stop = done(&item);
        items.push(item);
        if stop {
            return items;
        }
    }
}

fn kind(p: &PlaceOrder) -> String {
    match p {
        PlaceOrder::OpenOrder(o) => format!("open:{}", o.order_state.status),
        PlaceOrder::OrderStatus(s) => format!("status:{}", s.status),
        PlaceOrder::ExecutionData(_) => "exec".into(),
        PlaceOrder::CommissionReport(_) => "commission".into(),
    }
}

#[tokio::test]
async fn market_order_messages_arrive_in_tws_order() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 3).await;
    let mut order = order_builder::market_order(Action::Buy, 100.0);
    order.order_ref = "strat-1-entry".into();
    let mut sub = client.place_order(1, &aapl(), &order).await.unwrap();
    let items = collect(&mut sub, |p| matches!(p, PlaceOrder::CommissionReport(_))).await;
    let kinds: Vec<String> = items.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "open:Submitted",
            "status:Submitted",
            "exec",
            "open:Filled",
            "status:Filled",
            "commission"
        ]
    );

    let PlaceOrder::OpenOrder(open) = &items[0] else {
        unreachable!()
    };
    assert_eq!(
        open.order.client_id, 3,
        "order messages carry the placing client's id"
    );
    assert_eq!(open.order.order_ref, "strat-1-entry");
    assert_eq!(open.contract.contract_id, 265_598);
    let PlaceOrder::ExecutionData(exec) = &items[2] else {
        unreachable!()
    };
    assert_eq!(
        (
            exec.execution.price,
            exec.execution.shares,
            exec.execution.side
        ),
        (230.01, 100.0, ExecutionSide::Bought)
    );
    assert_eq!(exec.execution.client_id, 3);
    assert_eq!(exec.execution.order_reference, "strat-1-entry");
    assert_eq!(exec.execution.account_number, "DU1234567");
    let PlaceOrder::OrderStatus(filled) = &items[4] else {
        unreachable!()
    };
    assert_eq!(
        (filled.filled, filled.remaining, filled.average_fill_price),
        (100.0, 0.0, Some(230.01))
    );
    let PlaceOrder::CommissionReport(c) = &items[5] else {
        unreachable!()
    };
    assert_eq!(
        c.execution_id, exec.execution.execution_id,
        "commission follows its execution"
    );
    assert_eq!(c.commission, 1.0, "100 × $0.005 = $0.50 → $1.00 minimum");
    assert_eq!(c.realized_pnl, None, "opening fill realizes nothing");

    // avg cost includes the commission: (100 × 230.01 + 1) / 100
    assert_eq!(
        sim.positions(),
        vec![("AAPL".to_string(), dec!(100), dec!(230.02))]
    );
    assert_eq!(sim.cash(), dec!(1000000) - dec!(23001) - dec!(1));
    sim.shutdown().await;
}

#[tokio::test]
async fn limit_stop_and_stop_limit_fill_on_price_moves() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let c = aapl();
    let _lmt = client
        .place_order(
            1,
            &c,
            &order_builder::limit_order(Action::Buy, 10.0, 229.00),
        )
        .await
        .unwrap();
    let _stp = client
        .place_order(2, &c, &order_builder::stop(Action::Sell, 5.0, 225.00))
        .await
        .unwrap();
    let mut stp_lmt = order_builder::stop(Action::Sell, 5.0, 224.00);
    stp_lmt.order_type = "STP LMT".into();
    stp_lmt.limit_price = Some(223.50);
    let _sl = client.place_order(3, &c, &stp_lmt).await.unwrap();
    eventually("three working orders", || sim.open_orders().len() == 3).await;
    assert!(sim.executions().is_empty());

    sim.set_price("AAPL", dec!(228.99)); // ask 229.00 reaches the limit
    let out = client
        .wait_for_fill(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        matches!(&out, OrderOutcome::Filled(s) if s.average_fill_price == Some(229.0)),
        "{out:?}"
    );

    sim.set_price("AAPL", dec!(223.00)); // gap: both stops trigger; bid 222.99
    let out = client
        .wait_for_fill(2, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        matches!(&out, OrderOutcome::Filled(s) if s.average_fill_price == Some(222.99)),
        "{out:?}"
    );
    // the stop-limit is triggered but 222.99 < 223.50: still working
    assert_eq!(
        sim.open_orders()
            .iter()
            .map(|o| (o.order_id, o.triggered))
            .collect::<Vec<_>>(),
        vec![(3, true)]
    );
    sim.set_price("AAPL", dec!(223.60)); // bid 223.59 >= 223.50
    let out = client
        .wait_for_fill(3, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        matches!(&out, OrderOutcome::Filled(s) if s.average_fill_price == Some(223.59)),
        "{out:?}"
    );

    let prices: Vec<_> = sim
        .executions()
        .iter()
        .map(|e| (e.order_id, e.price))
        .collect();
    assert_eq!(
        prices,
        vec![(1, dec!(229.00)), (2, dec!(222.99)), (3, dec!(223.59))]
    );
    assert!(sim.positions().is_empty(), "bought 10, sold 5 + 5");
    sim.shutdown().await;
}

fn bracket(parent_id: i32) -> [Order; 3] {
    let mut parent = order_builder::limit_order(Action::Buy, 10.0, 229.00);
    parent.transmit = false;
    parent.order_ref = "entry".into();
    let mut target = order_builder::limit_order(Action::Sell, 10.0, 240.00);
    target.parent_id = parent_id;
    target.transmit = false;
    let mut stop = order_builder::stop(Action::Sell, 10.0, 225.00);
    stop.parent_id = parent_id;
    [parent, target, stop]
}

#[tokio::test]
async fn bracket_stop_fill_cancels_target_with_realized_pnl() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let [p, t, s] = bracket(10);
    let _a = client.place_order(10, &aapl(), &p).await.unwrap();
    let _b = client.place_order(11, &aapl(), &t).await.unwrap();
    eventually("two held legs", || sim.all_orders().len() == 2).await;
    assert!(sim
        .open_orders()
        .iter()
        .all(|o| o.status == Status::Untransmitted));
    let mut stop_sub = client.place_order(12, &aapl(), &s).await.unwrap();
    eventually("bracket transmitted", || {
        let all = sim.all_orders();
        all.len() == 3 && all.iter().all(|o| o.status != Status::Untransmitted)
    })
    .await;
    let statuses: Vec<_> = sim
        .open_orders()
        .iter()
        .map(|o| (o.order_id, o.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (10, Status::Submitted),
            (11, Status::PreSubmitted),
            (12, Status::PreSubmitted)
        ]
    );

    sim.set_price("AAPL", dec!(228.99)); // entry fills at 229.00; exits go live
    eventually("exits working", || {
        sim.open_orders()
            .iter()
            .all(|o| o.status == Status::Submitted)
    })
    .await;
    sim.set_price("AAPL", dec!(224.00)); // stop fills at bid 223.99
    let out = client
        .wait_for_fill(11, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        matches!(&out, OrderOutcome::Ended(s) if s.status == OrderStatusKind::Cancelled),
        "target cancelled: {out:?}"
    );

    let items = collect(&mut stop_sub, |p| {
        matches!(p, PlaceOrder::CommissionReport(_))
    })
    .await;
    let Some(PlaceOrder::CommissionReport(report)) = items.last() else {
        unreachable!()
    };
    // entry: 10 × 229.00 + $1 → avg 229.10; exit 10 × 223.99 − $1 → realized −52.10
    assert_eq!(report.realized_pnl, Some(-52.1));
    assert_eq!(sim.realized_pnl(), dec!(-52.10));
    assert!(sim.positions().is_empty());
    assert_eq!(sim.net_liquidation(), dec!(1000000) - dec!(52.10));
    sim.shutdown().await;
}

#[tokio::test]
async fn oca_group_fill_cancels_sibling() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let orders = order_builder::one_cancels_all(
        "exit-1",
        vec![
            order_builder::limit_order(Action::Buy, 1.0, 220.00),
            order_builder::stop(Action::Buy, 1.0, 235.00),
        ],
        ibapi::orders::OcaType::CancelWithBlock,
    );
    let _a = client.place_order(1, &aapl(), &orders[0]).await.unwrap();
    let _b = client.place_order(2, &aapl(), &orders[1]).await.unwrap();
    eventually("both working", || sim.open_orders().len() == 2).await;
    sim.set_price("AAPL", dec!(236.00));
    let out = client
        .wait_for_fill(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        matches!(&out, OrderOutcome::Ended(s) if s.status == OrderStatusKind::Cancelled),
        "{out:?}"
    );
    let all = sim.all_orders();
    assert_eq!(
        (all[0].status, all[1].status),
        (Status::Cancelled, Status::Filled)
    );
    assert_eq!(all[1].oca_group, "exit-1");
    assert_eq!(sim.executions()[0].price, dec!(236.01));
    sim.shutdown().await;
}

#[tokio::test]
async fn cancel_modify_duplicate_and_global_cancel() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let c = aapl();
    let _w = client
        .place_order(1, &c, &order_builder::limit_order(Action::Buy, 5.0, 200.00))
        .await
        .unwrap();
    // modify by re-placing the same id
    let _m = client
        .place_order(1, &c, &order_builder::limit_order(Action::Buy, 7.0, 201.00))
        .await
        .unwrap();
    eventually("modified", || {
        sim.open_orders().first().is_some_and(|o| o.qty == dec!(7))
    })
    .await;
    assert_eq!(sim.open_orders()[0].lmt, Some(dec!(201.00)));
    assert_eq!(sim.all_orders().len(), 1);

    let mut cancel = client.cancel_order(1, "").await.unwrap();
    let CancelOrder::OrderStatus(st) = next_data!(cancel);
    assert_eq!((st.order_id, st.status), (1, OrderStatusKind::Cancelled));

    // cancel of an unknown id: 10147 tied to that id
    let mut unknown = client.cancel_order(99, "").await.unwrap();
    match tokio::time::timeout(Duration::from_secs(5), unknown.next())
        .await
        .unwrap()
    {
        Some(Err(Error::Notice(n))) => assert_eq!((n.code, n.request_id), (10147, Some(99))),
        other => panic!("expected 10147, got {other:?}"),
    }

    // re-using a finished id: 103
    let mut dup = client
        .place_order(1, &c, &order_builder::limit_order(Action::Buy, 1.0, 200.00))
        .await
        .unwrap();
    match tokio::time::timeout(Duration::from_secs(5), dup.next())
        .await
        .unwrap()
    {
        Some(Err(Error::Notice(n))) => assert_eq!(n.code, 103),
        other => panic!("expected 103, got {other:?}"),
    }

    for id in 2..5 {
        let _ = client
            .place_order(
                id,
                &c,
                &order_builder::limit_order(Action::Buy, 1.0, 190.00),
            )
            .await
            .unwrap();
    }
    eventually("three working", || sim.open_orders().len() == 3).await;
    client.global_cancel().await.unwrap();
    eventually("all cancelled", || sim.open_orders().is_empty()).await;
    assert!(sim
        .all_orders()
        .iter()
        .all(|o| o.status == Status::Cancelled));
    sim.shutdown().await;
}

#[tokio::test]
async fn open_orders_per_client_and_all_clients() {
    let sim = start(quiet_config()).await;
    let one = connect(&sim, 1).await;
    let two = connect(&sim, 2).await;
    let _a = one
        .place_order(
            5,
            &aapl(),
            &order_builder::limit_order(Action::Buy, 1.0, 200.00),
        )
        .await
        .unwrap();
    let _b = two
        .place_order(
            6,
            &aapl(),
            &order_builder::limit_order(Action::Sell, 2.0, 260.00),
        )
        .await
        .unwrap();
    eventually("two working", || sim.open_orders().len() == 2).await;
    let ids = |orders: Vec<Orders>| {
        let mut v: Vec<(i32, i32)> = orders
            .into_iter()
            .filter_map(|o| match o {
                Orders::OrderData(d) => Some((d.order_id, d.order.client_id)),
                _ => None,
            })
            .collect();
        v.sort();
        v
    };
    let mine = one
        .open_orders()
        .await
        .unwrap()
        .collect_to_end_within(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(ids(mine), vec![(5, 1)]);
    let all = one
        .all_open_orders()
        .await
        .unwrap()
        .collect_to_end_within(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(ids(all), vec![(5, 1), (6, 2)]);
    assert!(two.next_valid_order_id().await.unwrap() >= 7);
    sim.shutdown().await;
}

/// Execution ids are unique across simulator runs, as IB's are: a bot that
/// journals executions by id never mistakes a new run's fill for an old one.
#[tokio::test]
async fn execution_ids_differ_from_one_simulator_run_to_the_next() {
    let mut ids = Vec::new();
    for _run in 0..2 {
        let sim = start(quiet_config()).await;
        let client = connect(&sim, 3).await;
        let order = order_builder::market_order(Action::Buy, 10.0);
        let mut sub = client.place_order(1, &aapl(), &order).await.unwrap();
        collect(&mut sub, |p| matches!(p, PlaceOrder::CommissionReport(_))).await;
        ids.push(sim.executions()[0].exec_id.clone());
        sim.shutdown().await;
    }
    assert_ne!(ids[0], ids[1], "{ids:?}");
    assert!(
        ids.iter().all(|id| id.ends_with(".00000001.01.01")),
        "{ids:?}"
    );
}

//! Market data through the real `ibapi` client: ticks, snapshots, data type
//! switching, 5-second real-time bars and historical bars.

mod common;

use std::time::Duration;

use ibapi::contracts::tick_types::TickType;
use ibapi::prelude::*;
use rust_decimal_macros::dec;

use common::*;

/// Collects ticks until a last-price tick arrives; returns (bid, ask, last) prices.
async fn read_quote(sub: &mut Subscription<TickTypes>) -> (f64, f64, f64, Option<MarketDataType>) {
    let (mut bid, mut ask, mut md) = (0.0, 0.0, None);
    loop {
        match next_data!(sub) {
            TickTypes::PriceSize(p) => match p.price_tick_type {
                TickType::Bid | TickType::DelayedBid => bid = p.price,
                TickType::Ask | TickType::DelayedAsk => ask = p.price,
                TickType::Last | TickType::DelayedLast => {
                    return (bid, ask, p.price, md);
                }
                _ => {}
            },
            TickTypes::MarketDataType(t) => md = Some(t),
            _ => {}
        }
    }
}

#[tokio::test]
async fn streaming_ticks_follow_set_price() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let contract = Contract::stock("AAPL").build();
    let mut sub = client.market_data(&contract).subscribe().await.unwrap();
    let (bid, ask, last, md) = read_quote(&mut sub).await;
    assert_eq!((bid, ask, last), (229.99, 230.01, 230.0));
    assert_eq!(md, Some(MarketDataType::Realtime));

    assert!(sim.set_price("AAPL", dec!(231.50)));
    let (bid, ask, last, _) = read_quote(&mut sub).await;
    assert_eq!((bid, ask, last), (231.49, 231.51, 231.5));
    assert_eq!(sim.last_price("AAPL"), Some(dec!(231.50)));

    // Unknown symbols get error 200 on the subscription.
    let mut bad = client
        .market_data(&Contract::stock("ZZZZ").build())
        .subscribe()
        .await
        .unwrap();
    let item = tokio::time::timeout(Duration::from_secs(5), bad.next())
        .await
        .unwrap();
    match item {
        Some(Err(Error::Notice(n))) => assert_eq!(n.code, 200),
        other => panic!("expected error 200, got {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn snapshot_and_delayed_data_type() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let contract = Contract::stock("MSFT").build();
    let ticks = client
        .market_data(&contract)
        .snapshot_once(Duration::from_secs(5))
        .await
        .unwrap();
    let quote = Quote::from_ticks(&ticks);
    assert_eq!(quote.bid, Some(419.99));
    assert_eq!(quote.ask, Some(420.01));
    assert_eq!(quote.last, Some(420.0));

    client
        .switch_market_data_type(MarketDataType::Delayed)
        .await
        .unwrap();
    let mut sub = client.market_data(&contract).subscribe().await.unwrap();
    let (bid, ask, last, md) = read_quote(&mut sub).await;
    assert_eq!(md, Some(MarketDataType::Delayed));
    assert_eq!(
        (bid, ask, last),
        (419.99, 420.01, 420.0),
        "delayed tick types carry the prices"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn five_second_real_time_bars() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let contract = Contract::stock("NVDA").build();
    let mut bars = client.realtime_bars(&contract).subscribe().await.unwrap();
    // Let any bar already due close, then build one from three trades.
    sim.advance_clock(Duration::from_secs(5));
    sim.step(1);
    while let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(200), bars.next()).await {
        assert!(item.is_ok(), "no errors on the bar stream: {item:?}");
    }
    sim.set_price("NVDA", dec!(136.00));
    sim.set_price("NVDA", dec!(137.25));
    sim.set_price("NVDA", dec!(135.50));
    sim.advance_clock(Duration::from_secs(5));
    sim.step(1);
    let bar = next_data!(bars);
    assert_eq!(
        (bar.open, bar.high, bar.low, bar.close),
        (136.0, 137.25, 135.5, 135.5)
    );
    assert_eq!(bar.volume, 300.0);
    assert_eq!(bar.count, 3);
    assert_eq!(
        bar.date.unix_timestamp() % 5,
        0,
        "bars start on 5-second boundaries"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn historical_bars_in_ib_sizes_and_durations() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let contract = Contract::stock("SPY").build();
    // Friday 2026-01-02 16:00 EST = Monday 09:30 EST (the handshake time) minus 2 days 17.5 hours.
    let monday_open = client.connection_time().unwrap();
    let end = monday_open - Duration::from_secs(2 * 86_400 + 17 * 3_600 + 1_800);
    assert_eq!(end.unix_timestamp(), 1_767_387_600);
    let five_min = client
        .historical_data(&contract, HistoricalBarSize::Min5)
        .duration(1.days())
        .ending(end)
        .fetch()
        .await
        .unwrap();
    assert_eq!(five_min.bars.len(), 78, "09:30-16:00 in 5-minute bars");
    // 2026-01-02 09:30 EST
    assert_eq!(five_min.bars[0].date.to_string(), "1767364200");
    assert_eq!(
        five_min.bars.last().unwrap().close,
        590.0,
        "history ends at the current price"
    );
    assert_eq!(five_min.end, end);
    for b in &five_min.bars {
        assert!(b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close));
    }

    let daily = client
        .historical_data(&contract, HistoricalBarSize::Day)
        .duration(5.days())
        .ending(end)
        .fetch()
        .await
        .unwrap();
    let dates: Vec<String> = daily.bars.iter().map(|b| b.date.to_string()).collect();
    assert_eq!(dates.len(), 5);
    assert!(
        daily.bars.iter().all(|b| b.date.is_date()),
        "daily bars carry dates: {dates:?}"
    );

    let hourly = client
        .historical_data(&contract, HistoricalBarSize::Hour)
        .duration(1.weeks())
        .ending(end)
        .fetch()
        .await
        .unwrap();
    assert_eq!(
        hourly.bars.len(),
        5 * 6,
        "six whole hours per session, five sessions"
    );

    let minutes = client
        .historical_data(&contract, HistoricalBarSize::Min)
        .duration(1.months())
        .ending(end)
        .fetch()
        .await
        .unwrap();
    // 21 sessions back from Monday 2026-01-05 09:30 (Christmas and New
    // Year's Day are holidays): 20 full ones and the 13:00 half day of
    // Christmas Eve.
    assert_eq!(minutes.bars.len(), 20 * 390 + 210);

    let head = client
        .head_timestamp(
            &contract,
            HistoricalWhatToShow::Trades,
            TradingHours::Regular,
        )
        .await
        .unwrap();
    assert!(head < end);
    sim.shutdown().await;
}

#[tokio::test]
async fn generic_ticks_rt_volume_and_shortable() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let mut sub = client
        .market_data(&Contract::stock("SPY").build())
        .generic_ticks(&["233", "236"])
        .subscribe()
        .await
        .unwrap();
    let (mut rt_volume, mut shortable) = (None, None);
    while rt_volume.is_none() || shortable.is_none() {
        match next_data!(sub) {
            TickTypes::String(s) if s.tick_type == TickType::RtVolume => rt_volume = Some(s.value),
            TickTypes::Generic(g) if g.tick_type == TickType::Shortable => {
                shortable = Some(g.value)
            }
            _ => {}
        }
    }
    assert_eq!(shortable, Some(3.0));
    let rt = rt_volume.unwrap();
    assert!(rt.starts_with("590;100;"), "price;size;... got {rt}");
    sim.shutdown().await;
}

#[tokio::test]
async fn histogram_data_as_the_ibapi_example_asks_for_it() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    for (symbol, period, hours) in [
        ("AAPL", HistoricalBarSize::Week, TradingHours::Regular),
        ("SPY", HistoricalBarSize::Day, TradingHours::Regular),
        ("QQQ", HistoricalBarSize::Week, TradingHours::Extended),
    ] {
        let entries = client
            .histogram_data(&Contract::stock(symbol).build(), hours, period)
            .await
            .unwrap();
        assert!(!entries.is_empty(), "{symbol}");
        let total: f64 = entries.iter().filter_map(|e| e.size).sum();
        assert!(total > 0.0, "{symbol}: some volume traded");
        assert!(
            entries.windows(2).all(|w| w[0].price < w[1].price),
            "{symbol}: ascending price levels"
        );
        // Levels are 10 ticks (0.10) apart on a US stock.
        for e in &entries {
            let tenths = e.price * 10.0;
            assert!(
                (tenths - tenths.round()).abs() < 1e-6,
                "{symbol}: {}",
                e.price
            );
        }
    }
    // A week covers more price levels than a day of the same symbol.
    let spy = Contract::stock("SPY").build();
    let day = client
        .histogram_data(&spy, TradingHours::Regular, HistoricalBarSize::Day)
        .await
        .unwrap();
    let week = client
        .histogram_data(&spy, TradingHours::Regular, HistoricalBarSize::Week)
        .await
        .unwrap();
    assert!(week.len() > day.len(), "{} vs {}", week.len(), day.len());
    // An unknown symbol is refused with 200.
    let unknown = client
        .histogram_data(
            &Contract::stock("ZZZZ").build(),
            TradingHours::Regular,
            HistoricalBarSize::Day,
        )
        .await;
    assert!(
        matches!(&unknown, Err(Error::Notice(n)) if n.code == 200),
        "{unknown:?}"
    );
    sim.shutdown().await;
}

/// Every data item of a historical-ticks answer, within 5 s.
macro_rules! all_ticks {
    ($sub:expr) => {{
        let mut ticks = $sub.filter_data();
        let mut out = Vec::new();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(5), ticks.next())
                .await
                .expect("ticks within 5 s");
            match next {
                Some(tick) => out.push(tick.expect("a tick, not an error")),
                None => break out,
            }
        }
    }};
}

#[tokio::test]
async fn historical_ticks_as_the_ibapi_examples_ask_for_them() {
    let sim = start(quiet_config()).await;
    let client = connect(&sim, 1).await;
    let contract = Contract::stock("AAPL").build();
    // The last 100 trades, ending at the current price, in time order.
    let trades = all_ticks!(client
        .historical_ticks(&contract, 100)
        .trade()
        .await
        .unwrap());
    assert_eq!(trades.len(), 100);
    assert!(trades.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    assert_eq!(
        trades.last().unwrap().price,
        230.0,
        "history ends at the current price"
    );
    assert!(trades
        .iter()
        .all(|t| t.size.unwrap_or(0.0) >= 1.0 && t.exchange == "NASDAQ"));
    // All trades in a time range (0 = all): 30 minutes = 120 trades.
    // Friday 2026-01-02 15:30–16:00 EST: 30 one-minute bars × 4 trades.
    let end =
        client.connection_time().unwrap() - Duration::from_secs(2 * 86_400 + 17 * 3_600 + 1_800);
    let start = end - Duration::from_secs(30 * 60);
    let range = all_ticks!(client
        .historical_ticks(&contract, 0)
        .starting(start)
        .ending(end)
        .trade()
        .await
        .unwrap());
    assert_eq!(range.len(), 120);
    assert!(range
        .iter()
        .all(|t| t.timestamp >= start && t.timestamp <= end));
    // Quotes one spread apart, and midpoints.
    let quotes = all_ticks!(client
        .historical_ticks(&contract, 50)
        .bid_ask(IgnoreSize::No)
        .await
        .unwrap());
    assert_eq!(quotes.len(), 50);
    assert!(quotes
        .iter()
        .all(|q| ((q.price_ask - q.price_bid) - 0.02).abs() < 1e-9));
    let mids = all_ticks!(client
        .historical_ticks(&contract, 30)
        .mid_point()
        .await
        .unwrap());
    assert_eq!(mids.len(), 30);
    assert_eq!(sim.history_requests("AAPL"), 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn historical_schedules_as_the_ibapi_example_asks_for_them() {
    // A frozen clock: "now" is exactly Monday 2026-01-05 09:30 New York.
    let sim = start(tws_sim::SimConfig {
        speed: 0.0,
        ..quiet_config()
    })
    .await;
    let client = connect(&sim, 1).await;
    let schedule = client
        .historical_schedules(&Contract::stock("SPY").build(), 30.days())
        .fetch()
        .await
        .unwrap();
    assert_eq!(schedule.time_zone, "US/Eastern");
    // 30 trading days back from Monday 09:30: that day's session and the
    // 29 trading days after it (today's opens at the end instant, so it is
    // not in the span; Christmas and New Year's Day are holidays) — each
    // 09:30–16:00 New York, or 09:30–13:00 on the half days after
    // Thanksgiving and on Christmas Eve.
    assert_eq!(schedule.sessions.len(), 30);
    let half_days = ["2025-11-28", "2025-12-24"];
    for s in &schedule.sessions {
        let half = half_days.contains(&s.reference.to_string().as_str());
        let minutes = if half { 210 } else { 390 };
        assert_eq!((s.end - s.start).whole_minutes(), minutes, "{s:?}");
        assert!(s.start.weekday().number_from_monday() <= 5, "{s:?}");
        assert_eq!(s.start.date(), s.reference, "{s:?}");
    }
    assert!(schedule
        .sessions
        .windows(2)
        .all(|w| w[0].start < w[1].start));
    assert_eq!(schedule.end, client.connection_time().unwrap());
    sim.shutdown().await;
}

//! The dashboard and control API of a real `run` (the binary) trading the
//! simulator process, checked over real loopback sockets: what the API
//! says against what the simulator holds (read by an independent ibapi
//! client), halt through the API confirmed at the simulator, and every
//! endpoint refusing a missing or wrong token or a foreign origin, with the
//! refusals counted in `/metrics` and a per-client rate limit.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::binary::*;
use common::http::{self, Reply};

/// Every data and control route.
const ROUTES: [(&str, &str); 15] = [
    ("GET", "/api/status"),
    ("GET", "/api/positions"),
    ("GET", "/api/orders"),
    ("GET", "/api/pnl"),
    ("GET", "/api/risk"),
    ("GET", "/api/decisions"),
    ("GET", "/api/trades"),
    ("GET", "/api/events"),
    ("GET", "/api/equity.svg"),
    ("GET", "/metrics"),
    ("POST", "/api/halt"),
    ("POST", "/api/resume"),
    ("POST", "/api/reduce-only"),
    ("POST", "/api/cancel"),
    ("POST", "/api/flatten"),
];

/// Starts the bot against the simulator on `sim_port`; returns it with its
/// dashboard's port and token, read from the URL file it writes.
fn start_bot(dir: &Path, sim_port: u16) -> (Proc, u16, String) {
    let config = write_config(dir, FAST_SMA, "");
    let mut run = command(dir, &["run", "--config", config.to_str().unwrap()]);
    run.env("IBKR_ACCOUNT_ID", "DU1234567")
        .env("IBKR_PORT", sim_port.to_string());
    let bot = Proc::spawn(run);
    let url_file = dir.join("journal/dashboard.url");
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        if let Ok(text) = std::fs::read_to_string(&url_file) {
            if text.ends_with('\n') {
                break text.trim().to_string();
            }
        }
        assert!(
            Instant::now() < deadline,
            "no dashboard URL within 30 s:\n{}",
            bot.dump()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let (address, token) = url.split_once("/#token=").expect("URL with a token");
    let port = address.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        bot.stderr.contains(&format!("dashboard: {url}")),
        "the URL is printed once on the terminal"
    );
    (bot, port, token.to_string())
}

/// Ctrl+C, and the bot ends within 30 s.
fn stop(bot: &mut Proc) {
    bot.sigint();
    let exited = bot.wait_exit(Duration::from_secs(30));
    assert!(exited.is_some(), "{}", bot.dump());
}

/// Polls `check` on the API's status until it holds.
async fn until_status(
    port: u16,
    token: &str,
    what: &str,
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = http::get(port, "/api/status", token).await.json();
        if check(&status) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{what} within 60 s; last status: {status:#}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The API's positions as `(symbol, quantity)`.
fn api_positions(reply: &Reply) -> Vec<(String, f64)> {
    reply.json()["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let qty: f64 = p["quantity"].as_str().unwrap().parse().unwrap();
            (p["symbol"].as_str().unwrap().to_string(), qty)
        })
        .collect()
}

/// The API's working order refs, sorted.
fn api_order_refs(reply: &Reply) -> Vec<String> {
    let mut refs: Vec<String> = reply.json()["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_ref"].as_str().unwrap().to_string())
        .collect();
    refs.sort();
    refs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_shows_the_simulators_book_and_halt_cancels_entries_there() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, sim_port) = start_sim_process(dir.path(), "120");
    let (mut bot, port, token) = start_bot(dir.path(), sim_port);
    until_status(port, &token, "a fill", |s| {
        s["pnl"]["fills"].as_u64() > Some(0)
    })
    .await;

    // Halt through the API: HALTED, entries cancelled, stops kept.
    let halted = http::post(port, "/api/halt", &token, "{}").await;
    assert_eq!(halted.status, 200, "{}", halted.body);
    assert_eq!(halted.json()["state"], "HALTED");
    assert_eq!(halted.json()["accepted"], true);

    // Confirmed by an independent client at the simulator: no working
    // entry of the bot's, and the API's book is the simulator's.
    let observer = observer(sim_port).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let at_sim = open_orders(&observer).await;
        let mut sim_refs: Vec<String> = at_sim
            .iter()
            .filter(|(client, _)| *client == 1)
            .map(|(_, r)| r.clone())
            .collect();
        sim_refs.sort();
        let entries_left = sim_refs.iter().any(|r| r.ends_with("-E"));
        let api_refs = api_order_refs(&http::get(port, "/api/orders", &token).await);
        let mut sim_positions = positions(&observer).await;
        sim_positions.sort_by(|a, b| a.0.cmp(&b.0));
        let mut shown = api_positions(&http::get(port, "/api/positions", &token).await);
        shown.sort_by(|a, b| a.0.cmp(&b.0));
        if !entries_left && api_refs == sim_refs && shown == sim_positions {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "within 30 s of the halt: entries at the simulator {sim_refs:?}, API orders {api_refs:?}, positions API {shown:?} vs simulator {sim_positions:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // HALTED holds: no entry is approved any more, the gate refuses them.
    let status = http::get(port, "/api/status", &token).await.json();
    assert_eq!(status["state"], "HALTED");
    assert_eq!(status["state_reason"], "halted by the operator");
    assert_eq!(status["account"], "DU****567");
    assert!(!http::get(port, "/api/status", &token)
        .await
        .body
        .contains("DU1234567"));

    // Resume needs its confirmation.
    let refused = http::post(port, "/api/resume", &token, "{}").await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("RESUME"), "{}", refused.body);
    let resumed = http::post(port, "/api/resume", &token, r#"{"confirm":"RESUME"}"#).await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_eq!(resumed.json()["state"], "ACTIVE");

    // Both actions are journaled, and the API reads them back.
    let decisions = http::get(port, "/api/decisions?limit=5", &token)
        .await
        .json();
    let actions: Vec<&str> = decisions["operator_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["resume", "halt"], "newest first: {decisions:#}");
    assert!(!decisions["decisions"].as_array().unwrap().is_empty());

    // Today's trades are the simulator's executions of the bot's orders.
    let trades = http::get(port, "/api/trades", &token).await.json();
    let mut shown: Vec<String> = trades["trades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["order_ref"].as_str().unwrap().to_string())
        .collect();
    let mut at_sim: Vec<String> = executions(&observer)
        .await
        .into_iter()
        .map(|(order_ref, _)| order_ref)
        .filter(|r| r.starts_with("fta-"))
        .collect();
    shown.sort();
    shown.dedup();
    at_sim.sort();
    at_sim.dedup();
    assert!(!shown.is_empty());
    assert!(
        shown.iter().all(|r| at_sim.contains(r)),
        "every trade shown is an execution at the simulator: {shown:?} vs {at_sim:?}"
    );

    stop(&mut bot);
    assert!(
        !dir.path().join("journal/dashboard.url").exists(),
        "the URL file goes with the run"
    );
    assert!(
        !bot.stdout.contains(&token) && bot.stderr.text().matches(token.as_str()).count() == 1,
        "the token is printed once (the URL) and never logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_a_missing_or_wrong_token_and_a_foreign_origin() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, sim_port) = start_sim_process(dir.path(), "120");
    let (mut bot, port, token) = start_bot(dir.path(), sim_port);
    until_status(port, &token, "trading", |s| s["state"] == "ACTIVE").await;
    let wrong = format!("Bearer {}", "0".repeat(token.len()));
    let right = format!("Bearer {token}");
    let mut refused = 0;
    for (method, path) in ROUTES {
        let none = http::call(port, method, path, &[], Some("{}")).await;
        let bad = http::call(port, method, path, &[("Authorization", &wrong)], Some("{}")).await;
        for reply in [&none, &bad] {
            assert_eq!(reply.status, 401, "{method} {path}: {reply:?}");
            assert!(
                reply.body.is_empty(),
                "a 401 says nothing: {:?}",
                reply.body
            );
            assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        }
        refused += 2;
        if method == "POST" {
            let foreign = [
                ("Authorization", right.as_str()),
                ("Origin", "http://evil.example"),
            ];
            let reply = http::call(port, method, path, &foreign, Some("{}")).await;
            assert_eq!(
                reply.status, 403,
                "{method} {path} from another origin: {reply:?}"
            );
        }
    }
    // Nothing the refused requests asked for happened.
    let status = http::get(port, "/api/status", &token).await.json();
    assert_ne!(status["state"], "HALTED", "{status:#}");

    let metrics = http::get(port, "/metrics", &token).await;
    assert!(
        metrics.body.contains(&format!(
            "fta_dashboard_refused_total{{why=\"unauthorized\"}} {refused}"
        )),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("fta_dashboard_refused_total{why=\"bad_origin\"} 5"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("fta_trading_state{state=\"ACTIVE\"} 1"),
        "{}",
        metrics.body
    );

    // The page's own files need no token, and carry the CSP.
    let page = http::call(port, "GET", "/", &[], None).await;
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!page.body.contains(&token));

    // The rate limit: a burst beyond it is refused with 429.
    let mut limited = 0;
    for _ in 0..80 {
        if http::get(port, "/api/risk", &token).await.status == 429 {
            limited += 1;
        }
    }
    assert!(limited > 0, "80 requests at once exceed the limit of 40");

    stop(&mut bot);
}

/// In a real browser: headless Chromium loads the page from `run`, sees the
/// day's figures update live, a trader clicks Halt and confirms, and the API
/// says HALTED. A failure saves a screenshot of the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trader_halts_the_bot_from_the_page_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, sim_port) = start_sim_process(dir.path(), "120");
    let (mut bot, port, token) = start_bot(dir.path(), sim_port);
    let browser = common::webdriver::Browser::start().await;
    browser
        .open(&format!("http://127.0.0.1:{port}/#token={token}"))
        .await;
    browser
        .wait_text("#state", "the state shown", |t| t == "ACTIVE")
        .await;
    let fills = |t: &str| t.parse::<u64>().ok();
    let first = browser
        .wait_text("#pnl-fills", "a fill shown", |t| fills(t) > Some(0))
        .await;
    browser
        .wait_text("#pnl-fills", "the fills updating live", |t| {
            fills(t) > fills(&first)
        })
        .await;
    browser
        .wait_text("#positions tbody", "the positions table filled", |t| {
            t.contains("SPY") || t == "none"
        })
        .await;
    browser
        .wait_text("#trades tbody", "today's trades listed", |t| {
            t.contains("fta-")
        })
        .await;
    // The token left the address bar once the page read it.
    let url = browser.current_url().await;
    assert!(
        !url.contains(&token),
        "the token stays out of the address bar: {url}"
    );

    browser.click("button[data-action=\"halt\"]").await;
    browser
        .wait_text("#confirm-text", "the confirmation", |t| {
            t.starts_with("Halt trading?")
        })
        .await;
    browser.click("#confirm-yes").await;
    browser
        .wait_text("#state", "HALTED on the page", |t| t == "HALTED")
        .await;
    let status = http::get(port, "/api/status", &token).await.json();
    if status["state"] != "HALTED" {
        browser.fail(&format!("the API says {status:#}")).await;
    }
    browser
        .wait_text("#last-action", "the outcome shown", |t| {
            t.starts_with("halt: done")
        })
        .await;

    stop(&mut bot);
}

/// Halt through the API while an entry is working at the simulator: the
/// entry is cancelled there (seen by an independent client), the state is
/// HALTED, and the API's order list no longer shows it. The session runs
/// in-process with a scripted strategy whose limit entry cannot fill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn halt_through_the_api_cancels_a_working_entry_at_the_simulator() {
    use first_trading_app::control::control_channel;
    use first_trading_app::dashboard::{Dashboard, DashboardConfig, Token};
    use first_trading_app::risk::RiskLimits;
    use rust_decimal_macros::dec;

    let sim = common::start_sim(common::quiet_spy_at(dec!(500))).await;
    // A buy limit 2 % under the market: accepted, never filled.
    let (strategy, _probe) = common::Scripted::new("SPY", dec!(10), 1);
    let strategy = strategy.limit_at(dec!(490)).boxed();
    let mut config = common::session_config(&sim, 1, RiskLimits::default(), vec![strategy]);
    let (session_port, operator_port) = control_channel();
    config.control = Some(session_port);
    let token = Token::generate().unwrap();
    let dashboard = Dashboard::start(
        DashboardConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            token: token.clone(),
            journal: config.journal.path().to_path_buf(),
        },
        operator_port,
    )
    .await
    .unwrap();
    let (port, token) = (dashboard.local_addr().port(), token.expose().to_string());
    let running = common::spawn_session(config);

    let observer = observer(sim.local_addr().port()).await;
    let bot_entries = |orders: &[(i32, String)]| -> Vec<String> {
        orders
            .iter()
            .filter(|(client, r)| *client == 1 && r.ends_with("-E"))
            .map(|(_, r)| r.clone())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let entry = loop {
        if let Some(entry) = bot_entries(&open_orders(&observer).await).pop() {
            break entry;
        }
        assert!(
            Instant::now() < deadline,
            "no working entry at the simulator"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    until_status(port, &token, "the entry listed", |s| {
        s["orders"]
            .as_array()
            .is_some_and(|o| o.iter().any(|o| o["order_ref"] == entry.as_str()))
    })
    .await;

    let halted = http::post(port, "/api/halt", &token, "{}").await;
    assert_eq!(halted.status, 200, "{}", halted.body);
    assert_eq!(halted.json()["state"], "HALTED");
    assert_eq!(halted.json()["cancels_sent"], 1, "{}", halted.body);

    let deadline = Instant::now() + Duration::from_secs(30);
    while !bot_entries(&open_orders(&observer).await).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the entry is still working at the simulator"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = until_status(port, &token, "the entry gone from the API", |s| {
        s["orders"].as_array().is_some_and(Vec::is_empty)
    })
    .await;
    assert_eq!(status["state"], "HALTED");

    let report = running.shut_down(Duration::from_secs(30)).await;
    assert_eq!(report.state.to_string(), "HALTED");
    dashboard.stop().await;
}

/// A token the operator sets that a URL would mangle, or that is short, is
/// refused before anything connects (exit 2), naming the variable but never
/// showing its value.
#[test]
fn a_bad_dashboard_token_is_refused_at_start_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), FAST_SMA, "");
    let out = command(
        dir.path(),
        &["run", "--sim", "--config", config.to_str().unwrap()],
    )
    .env("FTA_DASHBOARD_TOKEN", "hunter2 is short")
    .stdin(std::process::Stdio::null())
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "environment: FTA_DASHBOARD_TOKEN = (hidden): must be at least 32 characters"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

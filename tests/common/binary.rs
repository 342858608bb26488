//! The real binary as child processes: `first-trading-app sim` on a port the
//! OS picks (`--port 0`, read back from its stdout),
//! `first-trading-app run` in a temporary config directory, their output
//! collected line by line, signals sent with `kill`, and an observer `ibapi`
//! client (its own client id) that looks at the simulator from outside.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ibapi::accounts::PositionUpdate;
use ibapi::orders::Orders;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_first-trading-app");

/// Text a child wrote to one of its pipes, growing while it runs.
#[derive(Clone, Default)]
pub struct Output(Arc<Mutex<String>>);

impl Output {
    fn collect(pipe: impl Read + Send + 'static) -> Self {
        let output = Output::default();
        let sink = output.clone();
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut text = sink.0.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        output
    }

    /// Everything so far.
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    /// Whether `needle` appeared.
    pub fn contains(&self, needle: &str) -> bool {
        self.0.lock().unwrap().contains(needle)
    }

    /// Waits until `needle` appears; panics after `within` with the output.
    pub fn wait_for(&self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} within {within:?} in:\n{}",
                self.text()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A child process with its stdout and stderr collected; killed on drop.
pub struct Proc {
    child: Child,
    /// Its stdout.
    pub stdout: Output,
    /// Its stderr.
    pub stderr: Output,
}

impl Proc {
    /// Spawns `command` with piped output.
    pub fn spawn(mut command: Command) -> Self {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn the binary");
        let stdout = Output::collect(child.stdout.take().unwrap());
        let stderr = Output::collect(child.stderr.take().unwrap());
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGINT, as Ctrl+C would.
    pub fn sigint(&self) {
        self.signal("INT");
    }

    /// Sends the signal named `name` (`INT`, `HUP`, `QUIT`, …) with `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the exit; `None` if it is still running after `within`.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader threads drain the pipes.
                thread::sleep(Duration::from_millis(50));
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Both outputs, for assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout.text(),
            self.stderr.text()
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `Command` for the binary in `dir`, with no inherited `IBKR_*` or
/// `RUST_LOG` variables.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("IBKR_") {
            command.env_remove(key);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

/// `first-trading-app sim --port 0 --speed <speed>`: the OS picks a free
/// port and the simulator prints it in its `tws-sim listening on
/// 127.0.0.1:<port>` line, which this waits for and parses. Returns once the
/// simulator accepts connections.
pub fn start_sim_process(dir: &Path, speed: &str) -> (Proc, u16) {
    start_sim_process_with(dir, &["--speed", speed])
}

/// [`start_sim_process`] with other `sim` arguments (e.g. `--scenario FILE`).
pub fn start_sim_process_with(dir: &Path, args: &[&str]) -> (Proc, u16) {
    let mut all = vec!["sim", "--port", "0"];
    all.extend_from_slice(args);
    let mut sim = Proc::spawn(command(dir, &all));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(port) = listening_port(&sim.stdout.text()) {
            return (sim, port);
        }
        if let Some(status) = sim.wait_exit(Duration::ZERO) {
            panic!("the simulator exited ({status}):\n{}", sim.dump());
        }
        assert!(
            Instant::now() < deadline,
            "the simulator did not report its port within 10 s:\n{}",
            sim.dump()
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// The port in the simulator's `tws-sim listening on 127.0.0.1:<port>` line.
fn listening_port(stdout: &str) -> Option<u16> {
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("tws-sim listening on 127.0.0.1:"))
        .map(|port| port.trim().parse().expect("a port number"))
}

/// Writes `config.toml` (one strategy file, `extra` appended) and
/// `strategies/fast.toml` into `dir`; returns the config path. Unless
/// `extra` has a `[dashboard]` section, the dashboard takes any free port
/// (tests run side by side).
pub fn write_config(dir: &Path, strategy: &str, extra: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("strategies")).unwrap();
    std::fs::write(dir.join("strategies/fast.toml"), strategy).unwrap();
    let config = dir.join("config.toml");
    let dashboard = if extra.contains("[dashboard]") {
        ""
    } else {
        "\n[dashboard]\nport = 0\n"
    };
    std::fs::write(
        &config,
        format!("strategies = [\"strategies/fast.toml\"]\n\n{extra}\n{dashboard}"),
    )
    .unwrap();
    config
}

/// An SMA crossover on 5-second SPY bars (2 over 3): trades within seconds
/// on the simulator's random walk.
pub const FAST_SMA: &str = r#"kind = "sma_crossover"
name = "fast_sma"
symbols = ["SPY"]
bar_size = "5 secs"

[sizing]
fixed_quantity = 10

[params]
fast = 2
slow = 3
"#;

/// An observer connected to the simulator on `port` as client 77.
pub async fn observer(port: u16) -> ibapi::Client {
    tokio::time::timeout(
        Duration::from_secs(10),
        ibapi::Client::connect(&format!("127.0.0.1:{port}"), 77),
    )
    .await
    .expect("observer connects in time")
    .expect("observer connects")
}

/// Open orders of every client, as TWS reports them: `(client id, orderRef)`.
pub async fn open_orders(client: &ibapi::Client) -> Vec<(i32, String)> {
    let mut subscription = client.all_open_orders().await.expect("all open orders");
    subscription
        .collect_to_end_within(Duration::from_secs(5))
        .await
        .expect("open orders end")
        .into_iter()
        .filter_map(|row| match row {
            Orders::OrderData(data) => Some((data.order.client_id, data.order.order_ref)),
            Orders::OrderStatus(_) => None,
        })
        .collect()
}

/// Non-zero positions: `(symbol, quantity)`.
pub async fn positions(client: &ibapi::Client) -> Vec<(String, f64)> {
    let mut subscription = client.positions().await.expect("positions");
    let rows = subscription
        .collect_until(Duration::from_secs(5), |rows| {
            matches!(rows.last(), Some(PositionUpdate::PositionEnd))
        })
        .await;
    subscription.cancel().await;
    rows.into_iter()
        .filter_map(|row| match row {
            PositionUpdate::Position(p) if p.position != 0.0 => {
                Some((p.contract.symbol.to_string(), p.position))
            }
            _ => None,
        })
        .collect()
}

/// Today's executions of every client: `(orderRef, order id)`.
pub async fn executions(client: &ibapi::Client) -> Vec<(String, i32)> {
    let mut subscription = client
        .executions(ibapi::orders::ExecutionFilter::default())
        .await
        .expect("executions");
    subscription
        .collect_to_end_within(Duration::from_secs(5))
        .await
        .expect("executions end")
        .into_iter()
        .filter_map(|row| match row {
            ibapi::orders::Executions::ExecutionData(data) => Some((
                data.execution.order_reference.clone(),
                data.execution.order_id,
            )),
            ibapi::orders::Executions::CommissionReport(_) => None,
        })
        .collect()
}

/// Kills the process at once (SIGKILL), as a crash would.
impl Proc {
    pub fn crash(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

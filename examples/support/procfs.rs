//! Peak memory and CPU time of a process from Linux's `/proc`, for the
//! measurement examples (`perf_table`, `sim_symbols`). Read-only; `None`
//! where `/proc` is missing (not Linux) or the process is gone. Included with
//! `#[path]`.
#![allow(dead_code)]

use std::time::Duration;

/// `VmHWM` (peak resident set) of process `pid` (a number or `self`), in kB.
pub fn peak_rss_kb(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of process `pid` (fields 14 and 15 of
/// `/proc/<pid>/stat`, in ticks of 1/100 s — Linux's `USER_HZ`).
pub fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// `kb` as whole megabytes, or `n/a`.
pub fn megabytes(kb: Option<u64>) -> String {
    kb.map_or("n/a".into(), |kb| format!("{:.0} MB", kb as f64 / 1024.0))
}

//! Who may talk to the dashboard: the per-start bearer token (generated, or
//! `FTA_DASHBOARD_TOKEN`), compared in constant time; the `Origin` of
//! mutating requests; and a per-client rate limit.
//!
//! Owns these checks and the counters of what they refused. Must never log,
//! echo or store the token anywhere but in memory, and never say why a
//! request was refused (a 401 carries no detail).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use subtle::ConstantTimeEq;

/// The environment variable (or `.env` key) that sets the token.
pub use crate::settings::DASHBOARD_TOKEN_VAR as TOKEN_VAR;

/// The shortest token accepted from the environment.
pub const MIN_TOKEN_LEN: usize = 32;

/// The dashboard's secret. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(****)")
    }
}

impl Token {
    /// A fresh random token: 32 bytes from the operating system, as 64 hex digits.
    ///
    /// # Errors
    /// When the operating system has no randomness to give.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// A token given by the operator ([`TOKEN_VAR`]).
    ///
    /// # Errors
    /// What is expected, when it is shorter than [`MIN_TOKEN_LEN`] or holds
    /// anything but URL-safe characters (`A-Z a-z 0-9 - _ . ~`).
    pub fn from_operator(text: &str) -> Result<Self, String> {
        let safe = |c: char| c.is_ascii_alphanumeric() || "-_.~".contains(c);
        if text.len() < MIN_TOKEN_LEN || !text.chars().all(safe) {
            return Err(format!(
                "must be at least {MIN_TOKEN_LEN} characters of A-Z a-z 0-9 - _ . ~ (e.g. from `openssl rand -hex 32`)"
            ));
        }
        Ok(Self(text.to_string()))
    }

    /// The token itself, for the one URL printed at start.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether an `Authorization` header value carries this token.
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        let given = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or("");
        // Lengths are not secret (the token's is fixed); the bytes are
        // compared in constant time.
        given.len() == self.0.len() && bool::from(given.as_bytes().ct_eq(self.0.as_bytes()))
    }
}

/// Whether a mutating request's `Origin` is the dashboard's own: absent (not
/// a browser, e.g. curl) or exactly one of `allowed`.
pub fn origin_allowed(origin: Option<&str>, allowed: &[String]) -> bool {
    origin.is_none_or(|o| allowed.iter().any(|a| a == o))
}

/// A token bucket per client address: `burst` requests at once, refilled at
/// `per_second`.
#[derive(Debug)]
pub struct RateLimit {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimit {
    /// A limit of `per_second` sustained, `burst` at once.
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            burst: f64::from(burst),
            per_second: f64::from(per_second),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket; false when it is empty.
    pub fn admit(&self, client: IpAddr) -> bool {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, at) = buckets.entry(client).or_insert((self.burst, now));
        let refill = now.duration_since(*at).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What the checks refused, for `/metrics`.
#[derive(Debug, Default)]
pub struct Refusals {
    /// Missing or wrong token.
    pub unauthorized: AtomicU64,
    /// A mutating request from another origin.
    pub bad_origin: AtomicU64,
    /// Over the rate limit.
    pub rate_limited: AtomicU64,
}

impl Refusals {
    /// Counts one refusal.
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;

//! [`WebhookUrl`]: an http(s) URL that cannot be printed in full by accident,
//! and [`mask_url`], the one rule for how a URL is shown.
//!
//! Webhook URLs often carry a secret (a token in the path or the query, a
//! `user:pass@`); only the scheme, host and port are ever shown. Owns the
//! check of what a webhook URL may look like. Must never do I/O: it does not
//! resolve, connect or percent-decode.

use std::fmt;

/// What a valid webhook URL looks like, for error messages.
pub const URL_EXPECTED: &str =
    "must be an http:// or https:// URL with a host, e.g. \"https://hooks.example.com/services/T0/B0/XYZ\"";

/// What stands for the hidden part of a URL.
const HIDDEN: &str = "****";

/// An `http://` or `https://` URL with a host and, if given, a port 1–65535.
///
/// Guarantees: `Debug` and `Display` print only [`mask_url`]'s form
/// (`https://hooks.example.com/****`); the full text is reachable only
/// through [`WebhookUrl::expose`], for the HTTP client.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Parses a webhook URL.
    ///
    /// # Errors
    /// [`URL_EXPECTED`] when the text is not an http(s) URL with a valid host
    /// and port, or holds whitespace or control characters.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let parts = split(text).ok_or(URL_EXPECTED)?;
        let valid = !text.chars().any(|c| c.is_whitespace() || c.is_control())
            && valid_host(parts.host)
            && parts.port.is_none_or(valid_port);
        if valid {
            Ok(Self(text.to_string()))
        } else {
            Err(URL_EXPECTED)
        }
    }

    /// The full URL, secrets included. Only for the HTTP client; never format
    /// it into output.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_url(&self.0))
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({})", mask_url(&self.0))
    }
}

/// `url` as it may be shown: scheme, host and port kept, any `user:pass@`
/// and everything after the host (path, query, fragment) replaced by `****`:
/// `https://u:p@hooks.example.com:8443/T0/B0?token=x` →
/// `https://****@hooks.example.com:8443/****`. Text that is not an http(s)
/// URL is hidden whole.
pub fn mask_url(url: &str) -> String {
    let Some(parts) = split(url) else {
        return HIDDEN.to_string();
    };
    let mut shown = format!("{}://", parts.scheme);
    if parts.user_info {
        shown.push_str(HIDDEN);
        shown.push('@');
    }
    shown.push_str(parts.host);
    if let Some(port) = parts.port {
        shown.push(':');
        shown.push_str(port);
    }
    if !matches!(parts.rest, "" | "/") {
        shown.push('/');
        shown.push_str(HIDDEN);
    }
    shown
}

/// The pieces of an http(s) URL, borrowed from its text.
struct Parts<'a> {
    scheme: &'a str,
    user_info: bool,
    host: &'a str,
    port: Option<&'a str>,
    /// Path, query and fragment, from the first `/`, `?` or `#`.
    rest: &'a str,
}

/// Splits `url` into its parts; `None` unless it starts `http://` or `https://`.
fn split(url: &str) -> Option<Parts<'_>> {
    let (scheme, after) = url.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let (user_info, host_port) = match authority.rsplit_once('@') {
        Some((_, host_port)) => (true, host_port),
        None => (false, authority),
    };
    let (host, port) = split_port(host_port);
    Some(Parts {
        scheme,
        user_info,
        host,
        port,
        rest,
    })
}

/// `host:port` → (host, port); a bracketed IPv6 literal keeps its brackets.
fn split_port(host_port: &str) -> (&str, Option<&str>) {
    if host_port.starts_with('[') {
        return match host_port.split_once("]:") {
            Some((host, port)) => (&host_port[..=host.len()], Some(port)),
            None => (host_port, None),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    }
}

/// A DNS name, an IPv4 address or a bracketed IPv6 literal.
fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.len() <= 253
        && !host.starts_with(['.', '-'])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn valid_port(port: &str) -> bool {
    port.parse::<u16>().is_ok_and(|p| p > 0)
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;

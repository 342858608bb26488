use std::net::{IpAddr, Ipv4Addr};

use super::*;

#[test]
fn only_the_exact_bearer_token_is_admitted() {
    let token = Token::from_operator("abcdefghijklmnopqrstuvwxyz012345").unwrap();
    assert!(token.admits(Some("Bearer abcdefghijklmnopqrstuvwxyz012345")));
    assert!(!token.admits(None));
    assert!(!token.admits(Some("abcdefghijklmnopqrstuvwxyz012345")));
    assert!(!token.admits(Some("Bearer abcdefghijklmnopqrstuvwxyz01234")));
    assert!(!token.admits(Some("Bearer abcdefghijklmnopqrstuvwxyz0123456")));
    assert!(!token.admits(Some("Bearer Abcdefghijklmnopqrstuvwxyz012345")));
    assert!(!token.admits(Some("Basic abcdefghijklmnopqrstuvwxyz012345")));
}

#[test]
fn generated_tokens_are_long_and_differ() {
    let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
    assert_eq!(a.expose().len(), 64);
    assert!(a.expose().chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.expose(), b.expose());
    assert_eq!(format!("{a:?}"), "Token(****)");
}

#[test]
fn short_or_unsafe_operator_tokens_are_refused() {
    assert!(Token::from_operator("short").is_err());
    assert!(Token::from_operator("has space abcdefghijklmnopqrstuvwxyz").is_err());
    assert!(Token::from_operator("abcdefghijklmnopqrstuvwxyz#12345").is_err());
    assert!(Token::from_operator("ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~0123").is_ok());
}

#[test]
fn a_missing_origin_or_our_own_passes_any_other_does_not() {
    let ours = vec!["http://127.0.0.1:7878".to_string()];
    assert!(origin_allowed(None, &ours));
    assert!(origin_allowed(Some("http://127.0.0.1:7878"), &ours));
    assert!(!origin_allowed(Some("http://127.0.0.1:7879"), &ours));
    assert!(!origin_allowed(Some("https://evil.example"), &ours));
    assert!(!origin_allowed(Some("null"), &ours));
}

#[test]
fn the_rate_limit_admits_the_burst_then_refuses_per_client() {
    let limit = RateLimit::new(1, 3);
    let a = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    let b = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    assert!((0..3).all(|_| limit.admit(a)));
    assert!(!limit.admit(a));
    assert!(limit.admit(b), "another client has its own bucket");
}

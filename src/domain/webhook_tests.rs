use super::*;

#[test]
fn http_and_https_urls_with_a_host_are_accepted() {
    for ok in [
        "https://hooks.example.com/services/T0/B0/XYZ",
        "http://127.0.0.1:9000/hook",
        "HTTPS://example.com",
        "http://[::1]:8080/x?token=abc",
        "https://user:pass@example.com/",
    ] {
        assert!(WebhookUrl::parse(ok).is_ok(), "{ok}");
    }
}

#[test]
fn anything_else_is_refused_with_what_is_expected() {
    for bad in [
        "",
        "hooks.example.com/x",
        "ftp://example.com/x",
        "https://",
        "https:///path",
        "https://exa mple.com/x",
        "https://example.com/a b",
        "https://example.com:0/x",
        "https://example.com:65536/x",
        "https://example.com:port/x",
        "https://[not-v6]/x",
        "https://-bad.example/",
    ] {
        assert_eq!(WebhookUrl::parse(bad), Err(URL_EXPECTED), "{bad}");
    }
}

#[test]
fn masking_keeps_scheme_host_and_port_only() {
    let cases = [
        (
            "https://hooks.slack.com/services/T0/B0/XYZ",
            "https://hooks.slack.com/****",
        ),
        (
            "https://u:p@hooks.example.com:8443/T0?token=x",
            "https://****@hooks.example.com:8443/****",
        ),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
        ("https://example.com?token=x", "https://example.com/****"),
        ("http://[::1]:8080/x", "http://[::1]:8080/****"),
        ("not a url with a secret", "****"),
    ];
    for (url, shown) in cases {
        assert_eq!(mask_url(url), shown, "{url}");
    }
}

#[test]
fn display_and_debug_never_show_the_secret() {
    let url = WebhookUrl::parse("https://api.telegram.org/bot123:SECRET/sendMessage").unwrap();
    assert_eq!(url.to_string(), "https://api.telegram.org/****");
    assert_eq!(
        format!("{url:?}"),
        "WebhookUrl(https://api.telegram.org/****)"
    );
    assert!(url.expose().contains("SECRET"));
}

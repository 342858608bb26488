use std::path::Path;

use rust_decimal_macros::dec;

use super::*;

fn lines(problems: &[ConfigProblem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

const FULL: &str = r#"
kind = "sma_crossover"
name = "spy_trend"
enabled = false
symbols = ["SPY", "QQQ"]
bar_size = "1 hour"
[sizing]
fraction_of_equity = 0.1
[params]
fast = 10
slow = 30
"#;

#[test]
fn a_full_file_parses_to_typed_values() {
    let file = StrategyFile::parse("strategies/x.toml", "x", FULL).unwrap();
    assert_eq!(file.source, "strategies/x.toml");
    assert_eq!(file.kind, "sma_crossover");
    assert_eq!(file.name, "spy_trend");
    assert!(!file.enabled);
    assert_eq!(
        file.symbols,
        vec![Symbol::new("SPY").unwrap(), Symbol::new("QQQ").unwrap()]
    );
    assert_eq!((file.bar_size.as_str(), file.bar_seconds), ("1 hour", 3600));
    assert_eq!(file.sizing, Sizing::FractionOfEquity(dec!(0.1)));
    assert_eq!(file.params.get("slow"), Some(&toml::Value::Integer(30)));
}

#[test]
fn optional_keys_take_their_defaults() {
    let text =
        "kind = \"k\"\nsymbols = [\"SPY\"]\nbar_size = \"5 secs\"\n[sizing]\nfixed_quantity = 3\n";
    let file = StrategyFile::parse("a.toml", "my_stem", text).unwrap();
    assert_eq!(file.name, "my_stem");
    assert!(file.enabled);
    assert!(file.params.is_empty());
    assert_eq!(file.bar_seconds, 5);
    assert_eq!(file.sizing, Sizing::FixedQuantity(dec!(3)));
}

#[test]
fn every_schema_problem_is_reported_at_once() {
    let text = r#"
name = ""
enabled = "yes"
symbols = ["SPY", "SPY", "BR K", 5]
bar_size = "7 secs"
fast = 10
[sizing]
fixed_quantity = 2.5
fraction_of_equity = 1.5
lots = 1
[params]
"#;
    let problems = StrategyFile::parse("s.toml", "s", text).unwrap_err();
    assert_eq!(
        lines(&problems),
        [
            "s.toml: fast = 10: unknown key; allowed keys: kind, name, enabled, symbols, bar_size, sizing, params; strategy parameters belong under [params]",
            "s.toml: kind = (missing): required; e.g. kind = \"sma_crossover\"",
            "s.toml: name = \"\": must be a non-empty string; e.g. name = \"spy_trend\"",
            "s.toml: enabled = \"yes\": must be true or false",
            "s.toml: symbols[1] = \"SPY\": listed twice; list each symbol once",
            "s.toml: symbols[2] = \"BR K\": symbol \"BR K\" must be ASCII without whitespace, e.g. \"SPY\" or \"BRK B\" written as \"BRK.B\"",
            "s.toml: symbols[3] = 5: must be a ticker symbol string, e.g. \"SPY\"",
            &format!("s.toml: bar_size = \"7 secs\": {BAR_SIZE_EXPECTED}"),
            "s.toml: sizing.fixed_quantity = 2.5: must be a whole number of shares from 1 to 1000000, e.g. 10",
            "s.toml: sizing.fraction_of_equity = 1.5: must be a fraction in (0, 1], e.g. 0.1 for 10% of equity",
            "s.toml: sizing.lots = 1: unknown key; allowed keys: fixed_quantity, fraction_of_equity",
        ]
    );
}

#[test]
fn sizing_needs_exactly_one_rule_and_required_keys_are_named() {
    let both = "kind = \"k\"\nsymbols = [\"SPY\"]\nbar_size = \"1 day\"\n[sizing]\nfixed_quantity = 1\nfraction_of_equity = 0.5\n";
    assert_eq!(
        lines(&StrategyFile::parse("b.toml", "b", both).unwrap_err()),
        ["b.toml: sizing = { fixed_quantity, fraction_of_equity }: must hold exactly one of fixed_quantity = 10 (shares) or fraction_of_equity = 0.1, not both"]
    );
    let bare = "kind = \"k\"\nfixed_quantity = 1\n";
    assert_eq!(
        lines(&StrategyFile::parse("c.toml", "c", bare).unwrap_err()),
        [
            "c.toml: fixed_quantity = 1: unknown top-level key; write it under [sizing] as fixed_quantity = ...",
            "c.toml: symbols = (missing): required; must be a non-empty list of ticker symbols, e.g. symbols = [\"SPY\"]",
            &format!("c.toml: bar_size = (missing): required; {BAR_SIZE_EXPECTED}"),
            "c.toml: sizing = (missing): required: a [sizing] table with exactly one of fixed_quantity = 10 (shares) or fraction_of_equity = 0.1",
        ]
    );
}

/// One value of the wrong TOML type (or over its maximum) per row: the
/// problem names the key, shows the value as written and says what is expected.
#[test]
fn wrong_types_and_oversized_values_are_named() {
    const HEAD: &str = "kind = \"sma_crossover\"\nsymbols = [\"SPY\"]\nbar_size = \"1 day\"\n";
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "date for a name",
            "name = 2026-01-05\n[sizing]\nfixed_quantity = 1",
            "name = 2026-01-05",
            "must be a non-empty string",
        ),
        (
            "integer for the kind",
            "kind = 5\n[sizing]\nfixed_quantity = 1",
            "kind = 5",
            "must be a non-empty string",
        ),
        (
            "string for symbols",
            "symbols = \"SPY\"\n[sizing]\nfixed_quantity = 1",
            "symbols = \"SPY\"",
            "must be a non-empty list",
        ),
        (
            "integer for a bar size",
            "bar_size = 60\n[sizing]\nfixed_quantity = 1",
            "bar_size = 60",
            "must be a non-empty string",
        ),
        (
            "quoted quantity",
            "[sizing]\nfixed_quantity = \"10\"",
            "sizing.fixed_quantity = \"10\"",
            "must be a whole number of shares",
        ),
        (
            "float quantity",
            "[sizing]\nfixed_quantity = 10.0",
            "sizing.fixed_quantity = 10.0",
            "must be a whole number of shares",
        ),
        (
            "array quantity",
            "[sizing]\nfixed_quantity = [10]",
            "sizing.fixed_quantity = [10]",
            "must be a whole number of shares",
        ),
        (
            "quantity over the maximum",
            "[sizing]\nfixed_quantity = 1000001",
            "sizing.fixed_quantity = 1000001",
            "must be a whole number of shares from 1 to 1000000",
        ),
        (
            "quoted fraction",
            "[sizing]\nfraction_of_equity = \"0.1\"",
            "sizing.fraction_of_equity = \"0.1\"",
            "must be a fraction",
        ),
        (
            "date fraction",
            "[sizing]\nfraction_of_equity = 2026-01-05",
            "sizing.fraction_of_equity = 2026-01-05",
            "must be a fraction",
        ),
    ];
    for (name, body, shown, expected) in cases {
        // A key given twice is invalid TOML: the row's key replaces HEAD's.
        let key = body.split(" = ").next().unwrap();
        let head: String = HEAD
            .lines()
            .filter(|l| !l.starts_with(&format!("{key} ")))
            .map(|l| format!("{l}\n"))
            .collect();
        let text = format!("{head}{body}\n");
        let problems = lines(&StrategyFile::parse("s.toml", "s", &text).unwrap_err());
        assert_eq!(problems.len(), 1, "{name}: {problems:#?}");
        let prefix = format!("s.toml: {shown}: {expected}");
        assert!(problems[0].starts_with(&prefix), "{name}: {}", problems[0]);
    }
}

#[test]
fn invalid_toml_is_located() {
    let problems =
        StrategyFile::parse("t.toml", "t", "kind = \"k\"\nbar_size = 1 day\n").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].key, "(line 2, column 14)");
    assert!(
        problems[0].expected.starts_with("invalid TOML"),
        "{}",
        problems[0]
    );
}

#[test]
fn loading_checks_parameters_of_the_builtin_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sma.toml");
    std::fs::write(&path, "kind = \"sma_crossover\"\nsymbols = [\"SPY\"]\nbar_size = \"1 day\"\n[sizing]\nfixed_quantity = 1\n[params]\nfast = 50\nslow = 20\n").unwrap();
    assert_eq!(
        lines(&load_strategy_file(&path).unwrap_err()),
        [format!(
            "{}: params.fast = 50: must be smaller than params.slow (20)",
            path.display()
        )]
    );
    std::fs::write(&path, "kind = \"sma_crosover\"\nsymbols = [\"SPY\"]\nbar_size = \"1 day\"\n[sizing]\nfixed_quantity = 1\n").unwrap();
    assert_eq!(
        lines(&load_strategy_file(&path).unwrap_err()),
        [format!(
            "{}: kind = \"sma_crosover\": unknown strategy kind; known kinds: donchian_breakout, rsi_reversion, sma_crossover",
            path.display()
        )]
    );
    let missing = dir.path().join("nope.toml");
    let problem = &load_strategy_file(&missing).unwrap_err()[0];
    assert_eq!(problem.key, "(file)");
    assert!(
        problem.expected.starts_with("does not exist"),
        "{}",
        problem.expected
    );
}

#[test]
fn shipped_strategy_files_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies");
    let mut seen = Vec::new();
    for (name, enabled, kind, seconds) in [
        ("sma_crossover_spy", true, "sma_crossover", 60),
        ("rsi_reversion_qqq", false, "rsi_reversion", 86_400),
        ("donchian_breakout_spy", false, "donchian_breakout", 3_600),
    ] {
        let file = load_strategy_file(&dir.join(format!("{name}.toml"))).unwrap();
        assert_eq!(
            (
                file.name.as_str(),
                file.enabled,
                file.kind.as_str(),
                file.bar_seconds
            ),
            (name, enabled, kind, seconds)
        );
        seen.push(file.kind);
    }
    assert_eq!(seen.len(), 3);
}

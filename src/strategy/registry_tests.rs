use rust_decimal_macros::dec;

use super::*;
use crate::domain::types::Symbol;
use crate::strategy::sizing::Sizing;

fn file(kind: &str, params: &str) -> StrategyFile {
    let text = format!("kind = \"{kind}\"\nsymbols = [\"SPY\", \"QQQ\"]\nbar_size = \"15 mins\"\n[sizing]\nfixed_quantity = 4\n[params]\n{params}\n");
    StrategyFile::parse("strategies/x.toml", "x", &text).unwrap()
}

fn problems(kind: &str, params: &str) -> Vec<String> {
    Registry::with_builtins()
        .build(&file(kind, params), StrategyId(1))
        .err()
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn builtins_build_with_the_file_routing() {
    let registry = Registry::with_builtins();
    assert_eq!(
        registry.kinds().collect::<Vec<_>>(),
        ["donchian_breakout", "rsi_reversion", "sma_crossover"]
    );
    for (kind, params) in [
        ("sma_crossover", "fast = 5\nslow = 20"),
        ("rsi_reversion", ""),
        (
            "donchian_breakout",
            "entry = 55\nexit = 20\nallow_short = true",
        ),
    ] {
        let strategy = registry.build(&file(kind, params), StrategyId(1)).unwrap();
        assert_eq!(
            strategy.symbols(),
            [Symbol::new("SPY").unwrap(), Symbol::new("QQQ").unwrap()]
        );
        assert_eq!(strategy.bar_seconds(), 900);
    }
}

#[test]
fn sma_parameters_are_checked() {
    assert_eq!(
        problems("sma_crossover", "fast = 0\nslow = 20.5\nallow_short = 1\nfsat = 3"),
        [
            "strategies/x.toml: params.fast = 0: must be a whole number of bars from 1 to 10000, e.g. fast = 20",
            "strategies/x.toml: params.slow = 20.5: must be a whole number of bars from 1 to 10000, e.g. slow = 20",
            "strategies/x.toml: params.allow_short = 1: must be true or false",
            "strategies/x.toml: params.fsat = 3: unknown parameter for kind sma_crossover; known parameters: fast, slow, allow_short",
        ]
    );
    assert_eq!(
        problems("sma_crossover", "slow = 20"),
        ["strategies/x.toml: params.fast = (missing): required; must be a whole number of bars from 1 to 10000, e.g. fast = 20"]
    );
    assert_eq!(
        problems("sma_crossover", "fast = 20\nslow = 20"),
        ["strategies/x.toml: params.fast = 20: must be smaller than params.slow (20)"]
    );
}

#[test]
fn rsi_thresholds_must_be_ordered() {
    assert_eq!(
        problems("rsi_reversion", "oversold = 55\noverbought = 45"),
        [
            "strategies/x.toml: params.oversold = 55: must be below params.exit (50)",
            "strategies/x.toml: params.overbought = 45: must be above params.exit (50)",
        ]
    );
    assert_eq!(
        problems("rsi_reversion", "period = 100000\nexit = 100"),
        [
            "strategies/x.toml: params.period = 100000: must be a whole number of bars from 1 to 10000, e.g. period = 20",
            "strategies/x.toml: params.exit = 100: must be a number between 0 and 100 (exclusive)",
        ]
    );
}

#[test]
fn donchian_channels_need_a_length() {
    assert_eq!(
        problems("donchian_breakout", "entry = -3\nexit = \"ten\""),
        [
            "strategies/x.toml: params.entry = -3: must be a whole number of bars from 1 to 10000, e.g. entry = 20",
            "strategies/x.toml: params.exit = \"ten\": must be a whole number of bars from 1 to 10000, e.g. exit = 20",
        ]
    );
}

#[test]
fn user_kinds_register_once_with_a_clean_name() {
    fn nothing(_: &mut Params<'_>) -> Option<Box<dyn Strategy>> {
        None
    }
    let mut registry = Registry::empty();
    assert_eq!(registry.kinds().count(), 0);
    registry
        .register("mine", nothing)
        .unwrap()
        .register("mine_2", nothing)
        .unwrap();
    assert_eq!(
        registry.register("mine", nothing).err(),
        Some(RegisterError::Duplicate("mine".into()))
    );
    assert_eq!(
        Registry::with_builtins()
            .register("sma_crossover", nothing)
            .err(),
        Some(RegisterError::Duplicate("sma_crossover".into()))
    );
    assert_eq!(
        registry.register("My Kind", nothing).err(),
        Some(RegisterError::InvalidName("My Kind".into()))
    );
    assert_eq!(
        registry.register("", nothing).err(),
        Some(RegisterError::InvalidName(String::new()))
    );
    // A constructor that refuses without naming a problem still yields one.
    let refused = registry.validate(&file("mine", ""));
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].to_string(), "strategies/x.toml: params = (as written): rejected by the mine constructor without a reason");
    // Unknown params of a user kind that reads none are named too.
    assert_eq!(
        registry.validate(&file("mine", "x = 1"))[0].to_string(),
        "strategies/x.toml: params.x = 1: unknown parameter; kind mine reads no parameters here"
    );
    assert_eq!(Sizing::FixedQuantity(dec!(4)), file("mine", "").sizing);
}

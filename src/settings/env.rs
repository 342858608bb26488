//! The `IBKR_*` variables: looked up in the environment, then in `.env`
//! (the real environment always wins), parsed and checked one by one.

use super::inputs::{LoadInputs, ENV_PREFIX};
use super::sections::{check_client_id, check_host, PORT_EXPECTED};
use super::source::Source;
use super::warning::{VarPlace, Warning};
use super::ConfigProblem;
use crate::domain::account::AccountId;
use crate::redact::mask_account;

/// IB account id; required by `run`, optional for `check`.
pub const ACCOUNT_VAR: &str = "IBKR_ACCOUNT_ID";
/// Overrides `connection.host`.
pub const HOST_VAR: &str = "IBKR_HOST";
/// Overrides `connection.port`.
pub const PORT_VAR: &str = "IBKR_PORT";
/// Overrides `connection.client_id`.
pub const CLIENT_ID_VAR: &str = "IBKR_CLIENT_ID";
/// `true` (default) or `false`; one of the four live-trading agreements.
pub const PAPER_VAR: &str = "IBKR_PAPER_TRADING";
/// Every variable this app reads.
pub const KNOWN_VARS: [&str; 5] = [ACCOUNT_VAR, HOST_VAR, PORT_VAR, CLIENT_ID_VAR, PAPER_VAR];

/// A value and the layer it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// The parsed `IBKR_*` variables. A variable that was set but invalid is
/// `None` here and a problem in the loader's list.
#[derive(Debug, Clone, Default)]
pub(crate) struct EnvSettings {
    pub host: Option<Sourced<String>>,
    pub port: Option<Sourced<u16>>,
    pub client_id: Option<Sourced<i32>>,
    pub account: Option<Sourced<AccountId>>,
    pub paper_trading: Option<Sourced<bool>>,
    /// False when a variable the mode decision needs (port, account, paper
    /// flag) was set to something invalid: the decision is then skipped.
    pub mode_inputs_ok: bool,
}

/// One raw variable: its trimmed text and where it came from.
struct Raw {
    text: String,
    source: Source,
    label: String,
}

/// Reads every `IBKR_*` variable, pushing a problem per invalid value and a
/// warning per unknown `IBKR_*` name.
pub(crate) fn read_env(
    inputs: &LoadInputs,
    problems: &mut Vec<ConfigProblem>,
    warnings: &mut Vec<Warning>,
) -> EnvSettings {
    let dotenv_label = inputs
        .dotenv
        .as_ref()
        .map_or_else(String::new, |d| d.path.display().to_string());
    let lookup = |var: &str| -> Option<Raw> {
        let from_env = inputs
            .env
            .get(var)
            .map(|v| (v, Source::Env, "environment".to_string()));
        let from_dotenv = inputs
            .dotenv
            .as_ref()
            .and_then(|d| d.vars.get(var))
            .map(|v| (v, Source::DotEnv, dotenv_label.clone()));
        // Empty values count as unset, so a blank line copied from .env.example is harmless.
        [from_env, from_dotenv]
            .into_iter()
            .flatten()
            .find(|(v, _, _)| !v.trim().is_empty())
            .map(|(v, source, label)| Raw {
                text: v.trim().to_string(),
                source,
                label,
            })
    };
    let mut out = EnvSettings {
        mode_inputs_ok: true,
        ..EnvSettings::default()
    };

    if let Some(raw) = lookup(HOST_VAR) {
        match check_host(&raw.text) {
            Ok(()) => out.host = sourced(raw.text.clone(), &raw),
            Err(expected) => problems.push(problem(&raw, HOST_VAR, &raw.text, expected)),
        }
    }
    if let Some(raw) = lookup(PORT_VAR) {
        match raw.text.parse::<u16>() {
            Ok(port) if port != 0 => out.port = sourced(port, &raw),
            _ => {
                problems.push(problem(&raw, PORT_VAR, &raw.text, PORT_EXPECTED));
                out.mode_inputs_ok = false;
            }
        }
    }
    if let Some(raw) = lookup(CLIENT_ID_VAR) {
        match raw
            .text
            .parse::<i64>()
            .map_err(|_| ())
            .and_then(|id| check_client_id(id).map_err(|_| ()))
        {
            Ok(id) => out.client_id = sourced(id, &raw),
            Err(()) => problems.push(problem(
                &raw,
                CLIENT_ID_VAR,
                &raw.text,
                super::sections::CLIENT_ID_EXPECTED,
            )),
        }
    }
    if let Some(raw) = lookup(ACCOUNT_VAR) {
        match AccountId::parse(&raw.text) {
            Ok(id) => out.account = sourced(id, &raw),
            Err(expected) => {
                problems.push(problem(
                    &raw,
                    ACCOUNT_VAR,
                    &mask_account(&raw.text),
                    expected,
                ));
                out.mode_inputs_ok = false;
            }
        }
    }
    if let Some(raw) = lookup(PAPER_VAR) {
        match raw.text.to_ascii_lowercase().as_str() {
            "true" => out.paper_trading = sourced(true, &raw),
            "false" => out.paper_trading = sourced(false, &raw),
            _ => {
                problems.push(problem(
                    &raw,
                    PAPER_VAR,
                    &raw.text,
                    "must be true or false (unset means true: paper trading)",
                ));
                out.mode_inputs_ok = false;
            }
        }
    }

    let unknown_env = inputs.env.keys().map(|k| (k, VarPlace::Environment));
    let unknown_dotenv = inputs.dotenv.iter().flat_map(|d| {
        d.vars
            .keys()
            .map(|k| (k, VarPlace::DotEnv(dotenv_label.clone())))
    });
    for (name, place) in unknown_env.chain(unknown_dotenv) {
        if name.starts_with(ENV_PREFIX) && !KNOWN_VARS.contains(&name.as_str()) {
            warnings.push(Warning::UnknownVariable {
                name: name.clone(),
                place,
            });
        }
    }
    out
}

fn sourced<T>(value: T, raw: &Raw) -> Option<Sourced<T>> {
    Some(Sourced {
        value,
        source: raw.source,
    })
}

fn problem(raw: &Raw, var: &str, shown: &str, expected: &str) -> ConfigProblem {
    ConfigProblem::new(raw.label.as_str(), var, shown, expected)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::settings::inputs::DotEnv;

    fn inputs(env: &[(&str, &str)], dotenv: Option<&[(&str, &str)]>) -> LoadInputs {
        LoadInputs {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            dotenv: dotenv.map(|vars| DotEnv::from_vars(".env", vars.iter().copied())),
            ..LoadInputs::default()
        }
    }

    #[test]
    fn environment_wins_over_dotenv_and_empty_counts_as_unset() {
        let inputs = inputs(
            &[(PORT_VAR, "4002"), (HOST_VAR, "  ")],
            Some(&[
                (PORT_VAR, "7497"),
                (HOST_VAR, "gw.local"),
                (CLIENT_ID_VAR, "7"),
            ]),
        );
        let (mut p, mut w) = (Vec::new(), Vec::new());
        let env = read_env(&inputs, &mut p, &mut w);
        assert!(p.is_empty() && w.is_empty(), "{p:?} {w:?}");
        assert_eq!(
            env.port,
            Some(Sourced {
                value: 4002,
                source: Source::Env
            })
        );
        assert_eq!(
            env.host,
            Some(Sourced {
                value: "gw.local".into(),
                source: Source::DotEnv
            })
        );
        assert_eq!(
            env.client_id,
            Some(Sourced {
                value: 7,
                source: Source::DotEnv
            })
        );
        assert!(env.account.is_none() && env.paper_trading.is_none());
        assert!(env.mode_inputs_ok);
    }

    #[test]
    fn every_bad_variable_is_reported_together() {
        let inputs = inputs(
            &[
                (PORT_VAR, "abc"),
                (PAPER_VAR, "maybe"),
                (CLIENT_ID_VAR, "-1"),
            ],
            Some(&[(ACCOUNT_VAR, "du1234567"), (HOST_VAR, "http://x")]),
        );
        let (mut p, mut w) = (Vec::new(), Vec::new());
        let env = read_env(&inputs, &mut p, &mut w);
        let lines: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert!(lines[0].starts_with(".env: IBKR_HOST = http://x: must be a host name"));
        assert!(lines[1].starts_with("environment: IBKR_PORT = abc: must be a TCP port 1-65535"));
        assert!(lines[2].starts_with("environment: IBKR_CLIENT_ID = -1: must be a whole number"));
        assert!(
            lines[3].starts_with(".env: IBKR_ACCOUNT_ID = du****567: must be your IB account id")
        );
        assert_eq!(
            lines[4],
            "environment: IBKR_PAPER_TRADING = maybe: must be true or false (unset means true: paper trading)"
        );
        assert!(!env.mode_inputs_ok);
    }

    #[test]
    fn port_zero_and_out_of_range_are_problems() {
        for bad in ["0", "65536", "7497.0"] {
            let (mut p, mut w) = (Vec::new(), Vec::new());
            read_env(&inputs(&[(PORT_VAR, bad)], None), &mut p, &mut w);
            assert_eq!(p.len(), 1, "{bad}");
            assert_eq!(p[0].value, bad);
        }
    }

    #[test]
    fn paper_trading_is_case_insensitive() {
        let (mut p, mut w) = (Vec::new(), Vec::new());
        let env = read_env(&inputs(&[(PAPER_VAR, "FALSE")], None), &mut p, &mut w);
        assert_eq!(env.paper_trading.map(|s| s.value), Some(false));
    }

    #[test]
    fn unknown_ibkr_variables_are_warnings() {
        let (mut p, mut w) = (Vec::new(), Vec::new());
        read_env(
            &inputs(
                &[("IBKR_ACOUNT_ID", "x"), ("HOME", "/root")],
                Some(&[("IBKR_PASS", "y")]),
            ),
            &mut p,
            &mut w,
        );
        assert!(p.is_empty());
        assert_eq!(
            w,
            [
                Warning::UnknownVariable {
                    name: "IBKR_ACOUNT_ID".into(),
                    place: VarPlace::Environment,
                },
                Warning::UnknownVariable {
                    name: "IBKR_PASS".into(),
                    place: VarPlace::DotEnv(".env".into()),
                },
            ]
        );
    }
}

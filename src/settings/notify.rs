//! `[notify]`: webhook notifications — where to POST, which events, how many
//! may wait — with the defaults (written here and nowhere else) and the value
//! checks. Notifications are off when the section is absent.
//!
//! Owns the section's shape and checks. Must never show a URL in full: a
//! webhook URL often carries a secret, so every problem and listing shows it
//! masked ([`mask_url`]).

use serde::{Deserialize, Serialize};

use super::ConfigProblem;
use crate::domain::webhook::{WebhookUrl, URL_EXPECTED};
use crate::redact::{mask_url, mask_urls};

/// Default capacity of the queue of notifications waiting to be delivered.
pub const DEFAULT_QUEUE: usize = 256;
/// Default time the link to IB must stay down before a `disconnect` is sent.
pub const DEFAULT_DISCONNECT_AFTER_SECS: u64 = 30;

const URLS_EXPECTED: &str =
    "must be a list of one or more quoted http:// or https:// URLs, e.g. [\"https://hooks.example.com/services/T0/B0/XYZ\"]; remove [notify] to turn notifications off";
const EVENTS_EXPECTED: &str = "must be a list of one or more of \"fill\", \"reject\", \"state\", \"disconnect\", \"daily_summary\"";
const QUEUE_EXPECTED: &str = "must be a whole number 1-65536";
const DISCONNECT_EXPECTED: &str = "must be a whole number of seconds 1-86400";

/// One kind of notification, as named in `events` and in the body's `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyEvent {
    /// An execution of one of the bot's orders.
    Fill,
    /// TWS refused one of the bot's orders.
    Reject,
    /// The trading state changed (ACTIVE, REDUCING, HALTED).
    State,
    /// The link to IB has been down longer than `disconnect_after_secs`, and
    /// when it is back.
    Disconnect,
    /// The day's figures at the session close.
    DailySummary,
}

impl NotifyEvent {
    /// Every kind, in documentation order (the default of `events`).
    pub const ALL: [NotifyEvent; 5] = [
        Self::Fill,
        Self::Reject,
        Self::State,
        Self::Disconnect,
        Self::DailySummary,
    ];

    /// The name in the config file and in the JSON body.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fill => "fill",
            Self::Reject => "reject",
            Self::State => "state",
            Self::Disconnect => "disconnect",
            Self::DailySummary => "daily_summary",
        }
    }
}

/// `[notify]` as written in the file (URLs still text, values unchecked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySection {
    /// Where each notification is POSTed (each URL on its own queue).
    pub urls: Vec<String>,
    /// Which events are sent. Default: all.
    pub events: Vec<NotifyEvent>,
    /// Notifications that may wait per URL; when full the oldest is dropped.
    pub queue: usize,
    /// Seconds the link to IB must stay down before a `disconnect` is sent.
    pub disconnect_after_secs: u64,
}

impl Default for NotifySection {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            events: NotifyEvent::ALL.to_vec(),
            queue: DEFAULT_QUEUE,
            disconnect_after_secs: DEFAULT_DISCONNECT_AFTER_SECS,
        }
    }
}

/// `[notify]`, checked: what `run` notifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifySettings {
    /// Where to POST (printable only masked).
    pub urls: Vec<WebhookUrl>,
    /// Which events, sorted, each once.
    pub events: Vec<NotifyEvent>,
    /// Queue capacity per URL.
    pub queue: usize,
    /// Seconds of disconnection before a `disconnect` is sent.
    pub disconnect_after_secs: u64,
}

impl NotifySection {
    /// Every problem with these values, named as keys of `file`; URLs masked.
    pub fn validate(&self, file: &str) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if self.urls.is_empty() {
            problems.push(ConfigProblem::new(file, "notify.urls", "[]", URLS_EXPECTED));
        }
        for (i, url) in self.urls.iter().enumerate() {
            if WebhookUrl::parse(url).is_err() {
                let shown = format!("{:?}", mask_url(url));
                let key = format!("notify.urls[{i}]");
                problems.push(ConfigProblem::new(file, key, shown, URL_EXPECTED));
            }
        }
        if self.events.is_empty() {
            problems.push(ConfigProblem::new(
                file,
                "notify.events",
                "[]",
                EVENTS_EXPECTED,
            ));
        }
        if !(1..=65_536).contains(&self.queue) {
            let value = self.queue.to_string();
            problems.push(ConfigProblem::new(
                file,
                "notify.queue",
                value,
                QUEUE_EXPECTED,
            ));
        }
        if !(1..=86_400).contains(&self.disconnect_after_secs) {
            let value = self.disconnect_after_secs.to_string();
            let key = "notify.disconnect_after_secs";
            problems.push(ConfigProblem::new(file, key, value, DISCONNECT_EXPECTED));
        }
        problems
    }

    /// The checked settings; `None` when [`NotifySection::validate`] finds a
    /// problem.
    pub fn checked(&self) -> Option<NotifySettings> {
        if !self.validate("").is_empty() {
            return None;
        }
        let urls = self.urls.iter().map(|u| WebhookUrl::parse(u).ok());
        let mut events = self.events.clone();
        events.sort_unstable();
        events.dedup();
        Some(NotifySettings {
            urls: urls.collect::<Option<Vec<_>>>()?,
            events,
            queue: self.queue,
            disconnect_after_secs: self.disconnect_after_secs,
        })
    }
}

/// What is allowed for a `notify.*` key, used when a value has the wrong type.
pub(crate) fn hint(key: &str) -> Option<&'static str> {
    Some(match key {
        "notify.urls" => URLS_EXPECTED,
        "notify.events" => EVENTS_EXPECTED,
        "notify.queue" => QUEUE_EXPECTED,
        "notify.disconnect_after_secs" => DISCONNECT_EXPECTED,
        _ => return None,
    })
}

/// Masks the URLs in the values of the `[notify]` problems from `from` on
/// (serde's problems quote the value as written).
pub(crate) fn mask_problems(problems: &mut [ConfigProblem], from: usize) {
    for problem in problems.iter_mut().skip(from) {
        if problem.key.starts_with("notify") {
            problem.value = mask_urls(&problem.value).into_owned();
        }
    }
}

/// The webhook URLs of `FTA_NOTIFY_URLS` (separated by whitespace or
/// commas), set at `place`; each bad one is a problem naming the variable,
/// shown masked.
pub(crate) fn urls_from_secret(
    value: &str,
    place: &str,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<String> {
    let var = super::inputs::NOTIFY_URLS_VAR;
    let urls: Vec<String> = value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect();
    if urls.is_empty() {
        problems.push(ConfigProblem::new(place, var, "(empty)", URLS_EXPECTED));
    }
    for url in &urls {
        if WebhookUrl::parse(url).is_err() {
            let shown = format!("{:?}", mask_url(url));
            problems.push(ConfigProblem::new(place, var, shown, URL_EXPECTED));
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(urls: &[&str]) -> NotifySection {
        NotifySection {
            urls: urls.iter().map(|u| u.to_string()).collect(),
            ..NotifySection::default()
        }
    }

    #[test]
    fn defaults_need_only_a_url() {
        let checked = section(&["https://hooks.example.com/T0/SECRET"])
            .checked()
            .unwrap();
        assert_eq!(checked.events, NotifyEvent::ALL);
        assert_eq!((checked.queue, checked.disconnect_after_secs), (256, 30));
        assert_eq!(
            checked.urls[0].to_string(),
            "https://hooks.example.com/****"
        );
    }

    #[test]
    fn each_bad_value_is_named_and_urls_stay_masked() {
        let bad = NotifySection {
            events: Vec::new(),
            queue: 0,
            disconnect_after_secs: 0,
            ..section(&["https://ok.example/x", "ftp://files.example/SECRET"])
        };
        let problems: Vec<String> = bad
            .validate("c.toml")
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            problems,
            [
                format!("c.toml: notify.urls[1] = \"****\": {URL_EXPECTED}"),
                format!("c.toml: notify.events = []: {EVENTS_EXPECTED}"),
                format!("c.toml: notify.queue = 0: {QUEUE_EXPECTED}"),
                format!("c.toml: notify.disconnect_after_secs = 0: {DISCONNECT_EXPECTED}"),
            ]
        );
        assert_eq!(bad.checked(), None);
        let bad_host = section(&["https://exa mple.com/SECRET"]).validate("c.toml");
        assert_eq!(bad_host[0].value, "\"https://exa mple.com/****\"");
        assert_eq!(section(&[]).validate("c.toml")[0].key, "notify.urls");
    }

    #[test]
    fn event_names_are_the_documented_codes() {
        let names: Vec<&str> = NotifyEvent::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(
            names,
            ["fill", "reject", "state", "disconnect", "daily_summary"]
        );
        for event in NotifyEvent::ALL {
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(json, format!("\"{}\"", event.code()));
        }
    }
}

//! Small helpers to read typed values out of parsed TOML without serde, so a
//! strategy file's every problem can be collected and located by key.

use std::str::FromStr;

use rust_decimal::Decimal;

/// A TOML value as the user would have written it, for problem messages
/// (tables by their keys only; dates as written, not as the serializer's
/// private wrapper).
pub(crate) fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(table) => {
            let keys: Vec<&str> = table.keys().map(String::as_str).collect();
            format!("{{ {} }}", keys.join(", "))
        }
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(shown).collect();
            format!("[{}]", items.join(", "))
        }
        toml::Value::Datetime(datetime) => datetime.to_string(),
        other => other.to_string(),
    }
}

/// Whether `value` is or holds a TOML date or time. No key of ours takes
/// one, but serde turns a date into a string without complaint (a date for
/// `host` would pass), so dates are refused before serde sees them.
pub(crate) fn holds_datetime(value: &toml::Value) -> bool {
    match value {
        toml::Value::Datetime(_) => true,
        toml::Value::Array(items) => items.iter().any(holds_datetime),
        toml::Value::Table(table) => table.values().any(holds_datetime),
        _ => false,
    }
}

/// A TOML number (integer or float) as an exact [`Decimal`]; any other type
/// — a quoted number, a date, a list — is not one (as in `config.toml`).
/// Floats go through their shortest text form, so `0.1` becomes exactly 0.1.
pub(crate) fn decimal(value: &toml::Value) -> Option<Decimal> {
    match value {
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        toml::Value::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string()).ok(),
        _ => None,
    }
}

/// A TOML integer >= 0 (a float such as `20.0` or a quoted `"20"` is not
/// one, as in `config.toml`).
pub(crate) fn whole(value: &toml::Value) -> Option<u64> {
    match value {
        toml::Value::Integer(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

/// 1-based line and column of byte `offset` in `text`, and that line trimmed.
pub(crate) fn locate(text: &str, offset: usize) -> (usize, usize, String) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    let line_text = text
        .get(line_start..)
        .and_then(|rest| rest.lines().next())
        .unwrap_or("")
        .trim()
        .to_string();
    (line, column, line_text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn numbers_convert_exactly_and_text_locates() {
        assert_eq!(decimal(&toml::Value::Float(0.1)), Some(dec!(0.1)));
        assert_eq!(decimal(&toml::Value::Integer(-3)), Some(dec!(-3)));
        assert_eq!(decimal(&toml::Value::String("2.50".into())), None);
        assert_eq!(decimal(&toml::Value::Boolean(true)), None);
        assert_eq!(whole(&toml::Value::Integer(20)), Some(20));
        assert_eq!(whole(&toml::Value::Float(20.0)), None);
        assert_eq!(whole(&toml::Value::String("20".into())), None);
        assert_eq!(whole(&toml::Value::Integer(-1)), None);
        assert_eq!(locate("a = 1\nb = ?\n", 10), (2, 5, "b = ?".to_string()));
        assert_eq!(shown(&toml::Value::String("SPY".into())), "\"SPY\"");
        let table: toml::Table = "d = 2026-01-05\nl = [1979-05-27T07:32:00Z, 2]\nt = { a = 1 }\n"
            .parse()
            .unwrap();
        assert_eq!(shown(&table["d"]), "2026-01-05");
        assert_eq!(shown(&table["l"]), "[1979-05-27T07:32:00Z, 2]");
        assert_eq!(shown(&table["t"]), "{ a }");
        assert!(holds_datetime(&table["d"]) && holds_datetime(&table["l"]));
        assert!(!holds_datetime(&table["t"]));
    }
}

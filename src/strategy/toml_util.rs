//! Small helpers to read typed values out of parsed TOML without serde, so a
//! strategy file's every problem can be collected and located by key.

use std::str::FromStr;

use rust_decimal::Decimal;

/// A TOML value as the user would have written it, for problem messages.
pub(crate) fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(table) => {
            let keys: Vec<&str> = table.keys().map(String::as_str).collect();
            format!("{{ {} }}", keys.join(", "))
        }
        other => other.to_string(),
    }
}

/// A number (integer, float, or numeric string) as an exact [`Decimal`].
/// Floats go through their shortest text form, so `0.1` becomes exactly 0.1.
pub(crate) fn decimal(value: &toml::Value) -> Option<Decimal> {
    match value {
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        toml::Value::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string()).ok(),
        toml::Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

/// A whole, non-negative number (integer, or a float/string with no fraction).
pub(crate) fn whole(value: &toml::Value) -> Option<u64> {
    match value {
        toml::Value::Integer(i) => u64::try_from(*i).ok(),
        other => {
            let d = decimal(other)?;
            if d.fract().is_zero() && d >= Decimal::ZERO {
                u64::try_from(d.trunc()).ok()
            } else {
                None
            }
        }
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
        assert_eq!(
            decimal(&toml::Value::String("2.50".into())),
            Some(dec!(2.50))
        );
        assert_eq!(decimal(&toml::Value::Boolean(true)), None);
        assert_eq!(whole(&toml::Value::Integer(20)), Some(20));
        assert_eq!(whole(&toml::Value::Float(20.0)), Some(20));
        assert_eq!(whole(&toml::Value::Float(20.5)), None);
        assert_eq!(whole(&toml::Value::Integer(-1)), None);
        assert_eq!(locate("a = 1\nb = ?\n", 10), (2, 5, "b = ?".to_string()));
        assert_eq!(shown(&toml::Value::String("SPY".into())), "\"SPY\"");
    }
}

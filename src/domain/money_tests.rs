use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;

fn figure(d: Decimal) -> Figure {
    Figure::from_decimal(d).unwrap_or_else(|e| panic!("{d}: {e}"))
}

fn money(d: Decimal) -> Money {
    Money::from_decimal(d).unwrap_or_else(|e| panic!("{d}: {e}"))
}

#[test]
fn round_trips_keep_the_printed_places() {
    for text in ["0", "0.00", "97.3100", "-1.5", "100", "0.00000001"] {
        let d: Decimal = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(figure(d).to_decimal().to_string(), text);
        assert_eq!(money(d).to_decimal().to_string(), text);
    }
    assert_eq!(
        money(dec!(-12.3456789012345678)).to_decimal().to_string(),
        "-12.3456789012345678"
    );
}

#[test]
fn what_cannot_be_held_exactly_is_refused() {
    assert_eq!(
        Figure::from_decimal(dec!(1.000000001)),
        Err(FixedError::TooPrecise(dec!(1.000000001)))
    );
    // Trailing zeros count: they are places a report would print.
    assert!(Figure::from_decimal(dec!(1.000000000)).is_err());
    assert!(Money::from_decimal(dec!(0.00000000000000001)).is_err());
    assert!(Money::from_decimal(dec!(8000000000000)).is_err());
    assert!(Money::from_decimal(dec!(7000000000000)).is_ok());
    // 10¹⁰ shares at 10¹⁰ is beyond money's range: refused, not wrapped.
    let big = figure(dec!(10000000000));
    assert_eq!(big.times(big), None);
}

#[test]
fn comparisons_ignore_places_as_decimal_does() {
    assert_eq!(figure(dec!(1.0)), figure(dec!(1.00)));
    assert_eq!(money(dec!(2.50)), money(dec!(2.5)));
    assert!(money(dec!(-0.01)) < Money::ZERO);
}

/// Decimals with up to `places` places and up to 7 digits; zeros (with
/// places) and small values often, so that sums cancel.
fn decimal(places: u32) -> impl Strategy<Value = Decimal> {
    let mantissa = prop_oneof![Just(0i64), -3i64..=3, -9_999_999i64..=9_999_999];
    (mantissa, 0..=places).prop_map(|(m, s)| Decimal::new(m, s))
}

proptest! {
    /// The arithmetic prints exactly what the same `Decimal` arithmetic prints.
    #[test]
    fn arithmetic_prints_as_decimal(q in decimal(4), p in decimal(8), c in decimal(8)) {
        let (fq, fp) = (figure(q), figure(p));
        if let Some(product) = fq.times(fp) {
            prop_assert_eq!(product.to_decimal().to_string(), (q * p).to_string());
            let mc = money(c);
            let sum = product.checked_add(mc).map(Money::to_decimal);
            prop_assert_eq!(sum.map(|d| d.to_string()), Some((q * p + c).to_string()));
            let diff = product.checked_sub(mc).map(Money::to_decimal);
            prop_assert_eq!(diff.map(|d| d.to_string()), Some((q * p - c).to_string()));
            prop_assert_eq!(product.cmp(&mc), (q * p).cmp(&c));
        }
        let step = fp.checked_sub(figure(q)).map(Figure::to_decimal);
        prop_assert_eq!(step.map(|d| d.to_string()), Some((p - q).to_string()));
    }

    /// Sums and differences of amounts print as `Decimal`'s, zeros included.
    #[test]
    fn sums_print_as_decimal(a in decimal(6), b in decimal(6)) {
        let (ma, mb) = (money(a), money(b));
        let text = |m: Option<Money>| m.map(|m| m.to_decimal().to_string());
        prop_assert_eq!(text(ma.checked_add(mb)), Some((a + b).to_string()));
        prop_assert_eq!(text(ma.checked_sub(mb)), Some((a - b).to_string()));
        prop_assert_eq!(text(ma.checked_sub(ma)), Some((a - a).to_string()));
        prop_assert_eq!(text(mb.checked_add(ma.checked_sub(ma).unwrap())), Some((b + (a - a)).to_string()));
    }
}

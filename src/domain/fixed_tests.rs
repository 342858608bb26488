use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;

#[test]
fn conversions_are_exact_or_refused() {
    // (input, expected raw units or the refusal)
    let cases: [(Decimal, Result<i64, FixedError>); 8] = [
        (dec!(0.0001), Ok(10_000)),
        (dec!(190.37), Ok(19_037_000_000)),
        (dec!(-1.5), Ok(-150_000_000)),
        (dec!(0.00000001), Ok(1)),
        // Trailing zeros beyond the 8th place are not digits that matter.
        (dec!(100.0500000000), Ok(10_005_000_000)),
        (
            dec!(0.000000001),
            Err(FixedError::TooPrecise(dec!(0.000000001))),
        ),
        // 10¹⁰ fits; 10¹¹ = 10¹⁹ units does not (i64::MAX ≈ 9.2 × 10¹⁸).
        (dec!(10000000000), Ok(1_000_000_000_000_000_000)),
        (
            dec!(100000000000),
            Err(FixedError::OutOfRange(dec!(100000000000))),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(
            Fixed::from_decimal(input).map(Fixed::raw),
            expected,
            "{input}"
        );
    }
}

#[test]
fn arithmetic_refuses_instead_of_wrapping_or_rounding() {
    let max = Fixed::from_raw(i64::MAX);
    assert_eq!(max.checked_add(Fixed::from_raw(1)), None);
    assert_eq!(Fixed::from_raw(i64::MIN).checked_sub(Fixed::ONE), None);
    assert_eq!(Fixed::from_raw(i64::MIN).checked_abs(), None);
    // 0.0001 × 0.0001 = 10⁻⁸: exact. 0.00001 × 0.0001 = 10⁻⁹: refused, not rounded to 0.
    let tick = Fixed::from_raw(10_000);
    assert_eq!(tick.checked_mul(tick), Some(Fixed::from_raw(1)));
    assert_eq!(Fixed::from_raw(1_000).checked_mul(tick), None);
    // 10⁶ × 10⁶ = 10¹² overflows; the wide product is still exact.
    let million = Fixed::from_int(1_000_000).unwrap();
    assert_eq!(million.checked_mul(million), None);
    assert_eq!(
        million.mul_wide(million),
        Fixed::from_int(1).unwrap().wide() * 1_000_000_000_000
    );
}

#[test]
fn scaled_decimals_keep_or_refuse_digits() {
    let f = Fixed::from_decimal(dec!(180.86)).unwrap();
    assert_eq!(f.to_decimal_scaled(2).unwrap().to_string(), "180.86");
    assert_eq!(f.to_decimal_scaled(4).unwrap().to_string(), "180.8600");
    assert_eq!(f.to_decimal_scaled(1), None);
    assert_eq!(
        f.to_decimal_scaled(10).unwrap().to_string(),
        "180.8600000000"
    );
}

/// Any Decimal that has a Fixed: at most 8 places and within ±9.2 × 10¹⁰.
fn representable() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..=SCALE).prop_map(|(m, s)| Decimal::new(m, SCALE).round_dp(s))
}

proptest! {
    #[test]
    fn decimal_fixed_decimal_round_trips(d in representable()) {
        let f = Fixed::from_decimal(d).unwrap();
        prop_assert_eq!(f.to_decimal(), d);
        prop_assert_eq!(Fixed::from_decimal(f.to_decimal()), Ok(f));
    }

    #[test]
    fn more_places_are_refused(m in any::<i64>(), extra in 1u32..=10) {
        let d = Decimal::new(m, SCALE + extra);
        let exact = m % 10i64.pow(extra) == 0;
        prop_assert_eq!(Fixed::from_decimal(d).is_ok(), exact);
    }

    #[test]
    fn arithmetic_equals_decimal_where_it_does_not_overflow(
        a in representable(),
        b in representable(),
    ) {
        let (fa, fb) = (Fixed::from_decimal(a).unwrap(), Fixed::from_decimal(b).unwrap());
        // Decimal's own results, where they are representable, must equal ours;
        // where ours refuse, Decimal's must not be representable.
        let pairs = [
            (fa.checked_add(fb), a.checked_add(b)),
            (fa.checked_sub(fb), a.checked_sub(b)),
            (fa.checked_mul(fb), a.checked_mul(b)),
        ];
        for (fixed, decimal) in pairs {
            let decimal = decimal.map(Fixed::from_decimal);
            match (fixed, decimal) {
                (Some(f), Some(d)) => prop_assert_eq!(Ok(f), d),
                (None, Some(d)) => prop_assert!(d.is_err(), "refused a representable result"),
                (Some(f), None) => prop_assert!(false, "Decimal overflowed where Fixed gave {f:?}"),
                (None, None) => {}
            }
        }
        // The wide product is exact; where Decimal can hold it, it is a × b.
        if let Ok(wide) = Decimal::try_from_i128_with_scale(fa.mul_wide(fb), 2 * SCALE) {
            prop_assert_eq!(wide, a * b);
        }
        prop_assert_eq!(fa.cmp(&fb), a.cmp(&b));
    }
}

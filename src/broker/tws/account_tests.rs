use super::*;

fn id(text: &str) -> AccountId {
    AccountId::parse(text).unwrap()
}

fn managed(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_managed_account_of_the_right_kind_passes() {
    let login = managed(&["DU1234567", "DU7654321"]);
    assert_eq!(
        check_account(&login, &id("DU7654321"), TradingMode::Paper),
        Ok(())
    );
    assert_eq!(
        check_account(&managed(&["U1234567"]), &id("U1234567"), TradingMode::Live),
        Ok(())
    );
}

#[test]
fn an_unmanaged_account_is_refused_with_every_id_masked() {
    let error = check_account(
        &managed(&["DU1234567"]),
        &id("DU7654321"),
        TradingMode::Paper,
    )
    .unwrap_err();
    assert_eq!(
        error,
        AccountError::NotManaged {
            account: "DU****321".into(),
            managed: "DU****567".into()
        }
    );
    let text = error.to_string();
    assert!(
        !text.contains("DU7654321") && !text.contains("DU1234567"),
        "{text}"
    );
}

#[test]
fn the_account_kind_must_match_the_mode() {
    let paper_in_live = check_account(
        &managed(&["DU1234567"]),
        &id("DU1234567"),
        TradingMode::Live,
    );
    assert!(matches!(
        paper_in_live,
        Err(AccountError::ModeMismatch {
            actual: "paper",
            mode: TradingMode::Live,
            ..
        })
    ));
    let live_in_paper = check_account(&managed(&["U1234567"]), &id("U1234567"), TradingMode::Paper);
    assert!(matches!(
        live_in_paper,
        Err(AccountError::ModeMismatch {
            actual: "live",
            mode: TradingMode::Paper,
            ..
        })
    ));
}

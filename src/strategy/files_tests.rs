use super::*;

#[test]
fn a_directory_fifo_or_foreign_file_is_refused_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |r: Result<String, ReadError>| match r {
        Err(ReadError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert!(refused(read_config_file(dir.path())).starts_with("is not a regular file"));
    let fifo = dir.path().join("pipe.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Reading a FIFO would block until a writer comes: it is refused first.
    assert!(refused(read_toml_file(&fifo)).starts_with("is not a regular file"));
    let passwd_like = dir.path().join("passwd");
    std::fs::write(&passwd_like, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    let why = refused(read_toml_file(&passwd_like));
    assert!(why.starts_with("is not a .toml file"), "{why}");
    assert!(!why.contains("root:x"), "{why}");
    assert!(matches!(
        read_toml_file(&dir.path().join("missing.toml")),
        Err(ReadError::NotFound)
    ));
}

#[test]
fn a_regular_toml_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "kind = \"x\"\n").unwrap();
    assert_eq!(read_toml_file(&path).unwrap(), "kind = \"x\"\n");
}

//! The shipped schema file is the one the types generate, so editors see the real language.

#[test]
fn shipped_schema_is_up_to_date() {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ceremonies/keyrite.schema.json"
    ))
    .expect("ceremonies/keyrite.schema.json exists");
    let generated = keyrite::script::schema::schema_json();
    assert!(
        shipped == generated,
        "ceremonies/keyrite.schema.json is stale: run `cargo run -- schema > ceremonies/keyrite.schema.json`"
    );
}

#[test]
fn schema_command_prints_the_same_schema() {
    let out = crate::common::keyrite().arg("schema").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        keyrite::script::schema::schema_json()
    );
}

//! Shares of two different splits must never combine into a (wrong) secret: the
//! identifier check catches ordinary mixing at entry, and the digest catches shares of
//! two splits that happen to share an identifier.

use crate::common;

use keyrite::slip39::{
    combine, split, CollectError, Collector, GroupSpec, MasterSecret, Passphrase, SetParameter,
    Share, Slip39Error, SplitConfig,
};

fn config(extendable: bool) -> SplitConfig {
    let mut c = SplitConfig::single_group(2, 3);
    c.extendable = extendable;
    c.iteration_exponent = 0;
    c
}

#[test]
fn shares_of_different_splits_are_rejected_by_identifier() {
    let secret = MasterSecret::new(&[0x11; 16]).unwrap();
    let pass = Passphrase::empty();
    for extendable in [false, true] {
        let a = split(
            &secret,
            &pass,
            &config(extendable),
            &mut common::with_identifier(22222, 1),
        )
        .unwrap();
        let b = split(
            &secret,
            &pass,
            &config(extendable),
            &mut common::with_identifier(12345, 2),
        )
        .unwrap();
        let mixed = [
            common::retype(&a[0][0]),
            common::retype(&a[0][1]),
            common::retype(&b[0][2]),
        ];
        // The two from `a` are already enough, but the third still must be refused.
        let err = combine(&mixed, &pass).unwrap_err();
        assert_eq!(
            err,
            Slip39Error::Collect(CollectError::DifferentSet {
                position: 3,
                parameter: SetParameter::Identifier,
                got: 12345,
                expected: 22222,
            })
        );
        assert_eq!(
            err.to_string(),
            "share 3 has identifier 12345 but earlier shares have 22222: it belongs to a different set"
        );
    }
}

#[test]
fn same_identifier_different_split_fails_the_digest() {
    let secret = MasterSecret::new(&[0x22; 32]).unwrap();
    let pass = Passphrase::new("TREZOR").unwrap();
    let a = split(
        &secret,
        &pass,
        &config(false),
        &mut common::with_identifier(777, 1),
    )
    .unwrap();
    let b = split(
        &secret,
        &pass,
        &config(false),
        &mut common::with_identifier(777, 2),
    )
    .unwrap();
    assert_eq!(a[0][0].info(), b[0][0].info());
    let err = combine(&[common::retype(&a[0][0]), common::retype(&b[0][1])], &pass).unwrap_err();
    assert_eq!(
        err,
        Slip39Error::DigestMismatch {
            group_index: Some(0)
        }
    );
    assert!(
        err.to_string()
            .starts_with("digest check failed: the shares of group 1"),
        "{err}"
    );
}

#[test]
fn groups_from_two_splits_fail_the_group_level_digest() {
    let secret = MasterSecret::new(&[0x33; 16]).unwrap();
    let pass = Passphrase::empty();
    let cfg = SplitConfig {
        group_threshold: 2,
        groups: vec![
            GroupSpec {
                member_threshold: 1,
                member_count: 1,
            },
            GroupSpec {
                member_threshold: 2,
                member_count: 2,
            },
        ],
        extendable: true,
        iteration_exponent: 0,
    };
    let a = split(&secret, &pass, &cfg, &mut common::with_identifier(4242, 10)).unwrap();
    let b = split(&secret, &pass, &cfg, &mut common::with_identifier(4242, 20)).unwrap();
    // Group 1 from `a` and group 2 from `b`: each group is self-consistent.
    let mut c = Collector::new();
    c.add(common::retype(&a[0][0])).unwrap();
    c.add(common::retype(&b[1][0])).unwrap();
    assert!(c.add(common::retype(&b[1][1])).unwrap().ready);
    assert_eq!(
        c.recover(&pass).unwrap_err(),
        Slip39Error::DigestMismatch { group_index: None }
    );
}

#[test]
fn extendable_splits_of_one_secret_differ_only_in_identifier() {
    // Sanity check of the flag's purpose: two extendable splits of one secret and
    // passphrase each recover the same secret, yet still cannot be mixed.
    let secret = MasterSecret::new(&[0x44; 16]).unwrap();
    let pass = Passphrase::new("x").unwrap();
    let a = split(
        &secret,
        &pass,
        &config(true),
        &mut common::with_identifier(1, 1),
    )
    .unwrap();
    let b = split(
        &secret,
        &pass,
        &config(true),
        &mut common::with_identifier(2, 2),
    )
    .unwrap();
    for set in [&a, &b] {
        let shares: Vec<Share> = set[0][..2].iter().map(common::retype).collect();
        assert_eq!(
            combine(&shares, &pass).unwrap().expose_secret(),
            secret.expose_secret()
        );
    }
    let err = combine(&[common::retype(&a[0][0]), common::retype(&b[0][1])], &pass).unwrap_err();
    assert!(matches!(
        err,
        Slip39Error::Collect(CollectError::DifferentSet {
            parameter: SetParameter::Identifier,
            ..
        })
    ));
}

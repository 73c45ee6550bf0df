//! Incremental share entry: progress after each share, immediate rejection of shares
//! that cannot belong, and the messages a ceremony shows for each case.

use crate::common;

use keyrite::slip39::{
    combine, split, split_with_os_random, CollectError, CollectProgress, Collector, GroupProgress,
    GroupSpec, MasterSecret, Passphrase, SetParameter, Share, Slip39Error, SplitConfig,
};

fn two_of_three_groups() -> SplitConfig {
    SplitConfig {
        group_threshold: 2,
        groups: vec![
            GroupSpec {
                member_threshold: 1,
                member_count: 1,
            },
            GroupSpec {
                member_threshold: 2,
                member_count: 3,
            },
            GroupSpec {
                member_threshold: 3,
                member_count: 5,
            },
        ],
        extendable: false,
        iteration_exponent: 0,
    }
}

#[test]
fn progress_is_reported_per_group() {
    let secret = MasterSecret::new(&[7; 16]).unwrap();
    let pass = Passphrase::empty();
    let groups = split(&secret, &pass, &two_of_three_groups(), &mut common::rng(3)).unwrap();
    let mut c = Collector::new();
    assert!(c.is_empty());
    assert!(!c.progress().ready);

    let p = c.add(common::retype(&groups[2][4])).unwrap();
    assert_eq!(
        p,
        CollectProgress {
            groups: vec![GroupProgress {
                group_index: 2,
                have: 1,
                needed: 3,
                complete: false
            }],
            groups_complete: 0,
            groups_needed: 2,
            group_count: 3,
            ready: false,
        }
    );
    let p = c.add(common::retype(&groups[1][0])).unwrap();
    assert_eq!(p.groups.len(), 2);
    assert_eq!(p.groups[0].group_index, 1);
    assert!(!p.ready);

    // Too early: group 3 has 1 of 3, group 2 has 1 of 2.
    let err = Collector::new();
    assert_eq!(err.recover(&pass).unwrap_err(), Slip39Error::NoShares);

    let p = c.add(common::retype(&groups[1][2])).unwrap();
    assert_eq!(p.groups_complete, 1);
    assert!(!p.ready);
    let p = c.add(common::retype(&groups[0][0])).unwrap();
    assert_eq!(p.groups_complete, 2);
    assert!(p.ready);
    // A surplus share is accepted and ignored.
    let p = c.add(common::retype(&groups[2][0])).unwrap();
    assert!(p.ready);
    assert_eq!(c.len(), 5);
    assert_eq!(c.recover(&pass).unwrap().expose_secret(), &[7; 16]);
}

#[test]
fn too_few_messages() {
    let secret = MasterSecret::new(&[8; 16]).unwrap();
    let pass = Passphrase::empty();
    let groups = split(&secret, &pass, &two_of_three_groups(), &mut common::rng(4)).unwrap();

    let err = combine(&[common::retype(&groups[1][0])], &pass).unwrap_err();
    assert_eq!(err, Slip39Error::InsufficientGroups { have: 1, needed: 2 });
    assert_eq!(
        err.to_string(),
        "too few groups: shares of 1 group(s) were given but 2 groups are needed"
    );

    let err = combine(
        &[common::retype(&groups[0][0]), common::retype(&groups[1][1])],
        &pass,
    )
    .unwrap_err();
    assert_eq!(
        err,
        Slip39Error::TooFewShares {
            group_index: 1,
            have: 1,
            needed: 2
        }
    );
    assert_eq!(err.to_string(), "too few shares: group 2 has 1 of 2 needed");
    assert_eq!(combine(&[], &pass).unwrap_err(), Slip39Error::NoShares);
}

#[test]
fn duplicates_and_threshold_mismatches_are_rejected_at_once() {
    let secret = MasterSecret::new(&[9; 16]).unwrap();
    let pass = Passphrase::empty();
    let groups = split(&secret, &pass, &two_of_three_groups(), &mut common::rng(5)).unwrap();
    let mut c = Collector::new();
    c.add(common::retype(&groups[1][1])).unwrap();

    let err = c.add(common::retype(&groups[1][1])).unwrap_err();
    assert_eq!(
        err,
        CollectError::AlreadyEntered {
            group_index: 1,
            member_index: 1
        }
    );
    assert_eq!(err.to_string(), "member 2 of group 2 was already entered");
    assert_eq!(c.len(), 1, "a rejected share changes nothing");

    // A different share for the same slot: a split with the same identifier.
    let id = groups[1][1].info().identifier;
    let mut same_id = common::with_identifier(id, 99);
    let twin = split(&secret, &pass, &two_of_three_groups(), &mut same_id).unwrap();
    let err = c.add(common::retype(&twin[1][1])).unwrap_err();
    assert_eq!(
        err,
        CollectError::ConflictingMember {
            group_index: 1,
            member_index: 1
        }
    );

    // Same identifier, but the group's member threshold differs.
    let mut cfg = two_of_three_groups();
    cfg.groups[1].member_threshold = 3;
    let mut same_id = common::with_identifier(id, 100);
    let other_threshold = split(&secret, &pass, &cfg, &mut same_id).unwrap();
    let err = c.add(common::retype(&other_threshold[1][0])).unwrap_err();
    assert_eq!(
        err,
        CollectError::MemberThresholdMismatch {
            position: 2,
            group_index: 1,
            got: 3,
            expected: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "share 2 says group 2 needs 3 shares but earlier shares of that group say 2"
    );
}

#[test]
fn set_parameters_are_checked_in_entry_order() {
    let pass = Passphrase::empty();
    let short = MasterSecret::new(&[1; 16]).unwrap();
    let long = MasterSecret::new(&[1; 32]).unwrap();
    let mut cfg = SplitConfig::single_group(2, 2);
    cfg.iteration_exponent = 0;
    let a = split(&short, &pass, &cfg, &mut common::rng(1)).unwrap();
    let id = a[0][0].info().identifier;
    let mut same_id = common::with_identifier(id, 2);
    let b = split(&long, &pass, &cfg, &mut same_id).unwrap();
    let mut c = Collector::new();
    c.add(common::retype(&a[0][0])).unwrap();
    let err = c.add(common::retype(&b[0][1])).unwrap_err();
    assert_eq!(
        err,
        CollectError::DifferentSet {
            position: 2,
            parameter: SetParameter::WordCount,
            got: 33,
            expected: 20
        }
    );

    let mut cfg1 = cfg.clone();
    cfg1.iteration_exponent = 1;
    let e1 = split(&short, &pass, &cfg1, &mut common::with_identifier(id, 3)).unwrap();
    let err = c.add(common::retype(&e1[0][1])).unwrap_err();
    assert!(matches!(
        err,
        CollectError::DifferentSet {
            parameter: SetParameter::IterationExponent,
            got: 1,
            expected: 0,
            ..
        }
    ));
}

#[test]
fn os_random_split_round_trips() {
    let secret = MasterSecret::generate(32).unwrap();
    let pass = Passphrase::new("TREZOR").unwrap();
    let mut cfg = SplitConfig::single_group(3, 5);
    cfg.iteration_exponent = 0;
    let groups = split_with_os_random(&secret, &pass, &cfg).unwrap();
    let chosen: Vec<Share> = [4, 0, 2]
        .iter()
        .map(|&i| common::retype(&groups[0][i]))
        .collect();
    assert_eq!(
        combine(&chosen, &pass).unwrap().expose_secret(),
        secret.expose_secret()
    );
    // A wrong passphrase is not detected: it gives another secret.
    let wrong = combine(&chosen, &Passphrase::new("TREZOS").unwrap()).unwrap();
    assert_ne!(wrong.expose_secret(), secret.expose_secret());
}

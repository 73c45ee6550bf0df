//! Property tests: for random two-level configurations, secrets, passphrases and the
//! extendable flag, any minimal valid subset of shares recovers the secret, one share
//! fewer does not, and every share survives words -> share -> words unchanged.
//! PBKDF2 dominates the cost, so the exponent is 0 and the case count is small.

use crate::common;

use keyrite::slip39::{
    combine, split, Collector, GroupSpec, MasterSecret, Passphrase, Share, Slip39Error, SplitConfig,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    config: SplitConfig,
    secret: Vec<u8>,
    passphrase: String,
    seed: u64,
    /// Which groups, then which members of each, make up the recovery subset.
    group_pick: Vec<usize>,
    member_picks: Vec<Vec<usize>>,
    /// Order in which the chosen shares are entered.
    order_seed: u64,
}

fn group_spec() -> impl Strategy<Value = GroupSpec> {
    prop_oneof![
        Just(GroupSpec {
            member_threshold: 1,
            member_count: 1
        }),
        (2u8..=16).prop_flat_map(|count| (2u8..=count).prop_map(move |t| GroupSpec {
            member_threshold: t,
            member_count: count,
        })),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let groups = prop::collection::vec(group_spec(), 1..=16);
    (
        groups,
        8usize..=16,
        prop::option::of("[ -~]{1,16}"),
        any::<bool>(),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_flat_map(|(groups, half_len, pass, extendable, seed, order_seed)| {
            let n = groups.len();
            (1..=n as u8, Just(groups), any::<u64>()).prop_map(move |(gt, groups, pick_seed)| {
                // Deterministic choice of subsets from pick_seed (a permutation prefix).
                let mut next = common::rng(pick_seed);
                let mut choose = |n: usize, k: usize| -> Vec<usize> {
                    let mut idx: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        let mut b = [0u8; 1];
                        next(&mut b);
                        idx.swap(i, usize::from(b[0]) % (i + 1));
                    }
                    idx.truncate(k);
                    idx
                };
                let group_pick = choose(groups.len(), usize::from(gt));
                let member_picks = group_pick
                    .iter()
                    .map(|&g| {
                        choose(
                            usize::from(groups[g].member_count),
                            usize::from(groups[g].member_threshold),
                        )
                    })
                    .collect();
                let secret: Vec<u8> = {
                    let mut s = vec![0u8; 2 * half_len];
                    common::rng(seed ^ 0xABCD)(&mut s);
                    s
                };
                Case {
                    config: SplitConfig {
                        group_threshold: gt,
                        groups,
                        extendable,
                        iteration_exponent: 0,
                    },
                    secret,
                    passphrase: pass.clone().unwrap_or_default(),
                    seed,
                    group_pick,
                    member_picks,
                    order_seed,
                }
            })
        })
}

/// Move the chosen shares out of the split, in a shuffled entry order.
fn pick(mut groups: Vec<Vec<Share>>, case: &Case) -> Vec<Share> {
    let mut chosen = Vec::new();
    for (&g, members) in case.group_pick.iter().zip(&case.member_picks) {
        let mut slots: Vec<Option<Share>> = std::mem::take(&mut groups[g])
            .into_iter()
            .map(Some)
            .collect();
        for &m in members {
            chosen.push(slots[m].take().expect("distinct member picks"));
        }
    }
    let mut next = common::rng(case.order_seed);
    for i in (1..chosen.len()).rev() {
        let mut b = [0u8; 1];
        next(&mut b);
        chosen.swap(i, usize::from(b[0]) % (i + 1));
    }
    chosen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn split_then_combine_a_minimal_subset(case in case()) {
        let secret = MasterSecret::new(&case.secret).unwrap();
        let passphrase = Passphrase::new(&case.passphrase).unwrap();
        let groups = split(&secret, &passphrase, &case.config, &mut common::rng(case.seed)).unwrap();

        prop_assert_eq!(groups.len(), case.config.groups.len());
        for (g, (spec, members)) in case.config.groups.iter().zip(&groups).enumerate() {
            prop_assert_eq!(members.len(), usize::from(spec.member_count));
            for (m, share) in members.iter().enumerate() {
                let info = share.info();
                prop_assert_eq!(usize::from(info.group_index), g);
                prop_assert_eq!(usize::from(info.member_index), m);
                prop_assert_eq!(info.member_threshold, spec.member_threshold);
                prop_assert_eq!(info.extendable, case.config.extendable);
                // Words -> share -> words is the identity, and so is the digest.
                let words = share.to_words();
                let back = Share::from_mnemonic(words.expose_secret()).unwrap();
                prop_assert_eq!(back.info(), info);
                let back_words = back.to_words();
                prop_assert_eq!(back_words.expose_secret(), words.expose_secret());
                prop_assert_eq!(back.digest(), share.digest());
            }
        }

        let chosen = pick(groups, &case);
        let recovered = combine(&chosen, &passphrase).unwrap();
        prop_assert_eq!(recovered.expose_secret(), secret.expose_secret());

        // Entered one by one, the set becomes ready exactly at the last share.
        let mut collector = Collector::new();
        let n = chosen.len();
        for (i, share) in chosen.iter().enumerate() {
            let progress = collector.add(common::retype(share)).unwrap();
            prop_assert_eq!(progress.ready, i + 1 == n, "after share {} of {}", i + 1, n);
        }
        let again = collector.recover(&passphrase).unwrap();
        prop_assert_eq!(again.expose_secret(), secret.expose_secret());

        // One share fewer is not enough, whichever is missing.
        let fewer = &chosen[..n - 1];
        match combine(fewer, &passphrase) {
            Err(Slip39Error::TooFewShares { .. } | Slip39Error::InsufficientGroups { .. } | Slip39Error::NoShares) => {}
            other => prop_assert!(false, "expected too few shares, got {:?}", other.map(|_| ())),
        }
    }
}

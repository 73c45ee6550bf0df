//! Two-level Shamir sharing of the encrypted master secret (EMS), as SLIP-39 defines it.
//!
//! The EMS is split into `group_count` group secrets with threshold `group_threshold`;
//! each group secret is split again among the group's members. At each level, with
//! threshold t > 1, the polynomial is fixed by t - 2 random points at x = 0..t-2, the
//! digest point at x = 254 (a 4-byte HMAC-SHA256 of the secret keyed by random bytes,
//! followed by those bytes) and the secret at x = 255; shares are the values at
//! x = t-2..count. With t = 1 every share is the secret itself and no digest is used.
//!
//! Invariants:
//! - Randomness is drawn in exactly the reference implementation's order (identifier,
//!   then group level, then each group's members), so a deterministic source gives
//!   byte-identical shares to `shamir-mnemonic` (checked by `tests/interop.rs`).
//! - Random coefficients, digest points and every interpolated value are `Zeroizing`.
//! - Recovery checks the digest at every level with threshold > 1, in constant time.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize as _, Zeroizing};

use super::cipher;
use super::error::{ConfigError, Slip39Error};
use super::gf256::{self, Point};
use super::share::{Share, ShareInfo};
use super::{MasterSecret, Passphrase};

/// x coordinate of the shared secret.
const SECRET_INDEX: u8 = 255;
/// x coordinate of the digest share.
const DIGEST_INDEX: u8 = 254;
/// Length of the digest at the start of the digest share.
const DIGEST_LEN: usize = 4;
/// At most 16 groups, and 16 members per group (4-bit fields).
pub(crate) const MAX_SHARE_COUNT: usize = 16;
/// Largest iteration exponent that fits the 4-bit field.
pub(crate) const MAX_ITERATION_EXPONENT: u8 = 15;

/// One group of a split: `member_threshold` of its `member_count` shares recover it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSpec {
    /// Shares of this group needed to recover the group secret (1..=member_count).
    pub member_threshold: u8,
    /// Shares made for this group (1..=16; must be 1 when the threshold is 1).
    pub member_count: u8,
}

/// How to split a master secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitConfig {
    /// Groups needed to recover the secret (1..=groups.len()).
    pub group_threshold: u8,
    /// The groups, 1..=16 of them.
    pub groups: Vec<GroupSpec>,
    /// Extendable backup: later splits of the same secret and passphrase with the same
    /// exponent give compatible shares (the standard's 2024 flag; the reference's
    /// default for new splits).
    pub extendable: bool,
    /// PBKDF2 runs 10000 << e iterations in total (0..=15).
    pub iteration_exponent: u8,
}

impl SplitConfig {
    /// A single group: `threshold` of `count` shares, extendable, exponent 1 (the
    /// reference implementation's defaults).
    pub fn single_group(threshold: u8, count: u8) -> Self {
        SplitConfig {
            group_threshold: 1,
            groups: vec![GroupSpec {
                member_threshold: threshold,
                member_count: count,
            }],
            extendable: true,
            iteration_exponent: 1,
        }
    }

    /// Check every rule of the standard and of the reference implementation, which
    /// also forbids several shares in a group with member threshold 1.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.iteration_exponent > MAX_ITERATION_EXPONENT {
            return Err(ConfigError::IterationExponentTooLarge {
                exponent: self.iteration_exponent,
            });
        }
        if self.group_threshold == 0 {
            return Err(ConfigError::GroupThresholdZero);
        }
        if self.groups.len() > MAX_SHARE_COUNT {
            return Err(ConfigError::TooManyGroups {
                count: self.groups.len(),
            });
        }
        if usize::from(self.group_threshold) > self.groups.len() {
            return Err(ConfigError::GroupThresholdExceedsCount {
                threshold: self.group_threshold,
                count: self.groups.len(),
            });
        }
        for (i, g) in self.groups.iter().enumerate() {
            // At most 16 groups (checked above), so the index fits.
            let group_index = i as u8;
            if g.member_threshold == 0 {
                return Err(ConfigError::MemberThresholdZero { group_index });
            }
            if g.member_threshold > g.member_count {
                return Err(ConfigError::MemberThresholdExceedsCount {
                    group_index,
                    threshold: g.member_threshold,
                    count: g.member_count,
                });
            }
            if usize::from(g.member_count) > MAX_SHARE_COUNT {
                return Err(ConfigError::TooManyMembers {
                    group_index,
                    count: g.member_count,
                });
            }
            if g.member_threshold == 1 && g.member_count > 1 {
                return Err(ConfigError::MultipleSharesWithThresholdOne {
                    group_index,
                    count: g.member_count,
                });
            }
        }
        Ok(())
    }
}

/// Split `secret` into groups of shares, drawing randomness from `random` (which must
/// fill the whole buffer with uniformly random bytes; inject a fixed stream only in
/// tests). The passphrase encrypts the secret first; an empty one is allowed.
pub fn split(
    secret: &MasterSecret,
    passphrase: &Passphrase,
    config: &SplitConfig,
    random: &mut dyn FnMut(&mut [u8]),
) -> Result<Vec<Vec<Share>>, Slip39Error> {
    config.validate()?;
    let mut id_bytes = [0u8; 2];
    random(&mut id_bytes);
    let identifier = u16::from_be_bytes(id_bytes) & 0x7FFF;

    let ems = cipher::encrypt(
        secret.expose_secret(),
        passphrase.expose_secret(),
        config.iteration_exponent,
        identifier,
        config.extendable,
    );
    // validate() bounds the group count by 16.
    let group_count = config.groups.len() as u8;
    let group_secrets = split_secret(config.group_threshold, group_count, &ems, random)?;

    let mut out = Vec::with_capacity(config.groups.len());
    for (group_index, (spec, group_secret)) in
        (0u8..).zip(config.groups.iter().zip(group_secrets.iter()))
    {
        let member_values = split_secret(
            spec.member_threshold,
            spec.member_count,
            group_secret,
            random,
        )?;
        let shares = (0u8..)
            .zip(member_values)
            .map(|(member_index, value)| {
                let info = ShareInfo {
                    identifier,
                    extendable: config.extendable,
                    iteration_exponent: config.iteration_exponent,
                    group_index,
                    group_threshold: config.group_threshold,
                    group_count,
                    member_index,
                    member_threshold: spec.member_threshold,
                };
                Share::new(info, value)
            })
            .collect();
        out.push(shares);
    }
    Ok(out)
}

/// [`split`] with randomness from the operating system.
pub fn split_with_os_random(
    secret: &MasterSecret,
    passphrase: &Passphrase,
    config: &SplitConfig,
) -> Result<Vec<Vec<Share>>, Slip39Error> {
    let mut failure = None;
    let mut random = |buf: &mut [u8]| {
        if let Err(e) = getrandom::fill(buf) {
            // The callback cannot fail; remember the error, and zero-fill so nothing
            // depends on whatever the buffer held. The shares are discarded below.
            failure.get_or_insert(e);
            buf.fill(0);
        }
    };
    let shares = split(secret, passphrase, config, &mut random)?;
    match failure {
        Some(e) => Err(Slip39Error::Random(e)),
        None => Ok(shares),
    }
}

/// Recover the master secret from shares. Exactly the logic of [`Collector`]: the
/// shares must all belong to one split, and enough of them must be given; extra shares
/// are allowed and the first ones entered that satisfy the thresholds are used.
///
/// [`Collector`]: super::Collector
pub fn combine(shares: &[Share], passphrase: &Passphrase) -> Result<MasterSecret, Slip39Error> {
    let mut collector = super::Collector::new();
    for share in shares {
        collector.add(share.duplicate())?;
    }
    collector.recover(passphrase)
}

/// 4-byte HMAC-SHA256 digest of `secret` keyed by `key`.
fn create_digest(key: &[u8], secret: &[u8]) -> Result<Zeroizing<[u8; DIGEST_LEN]>, Slip39Error> {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key)
        .map_err(|_| Slip39Error::Internal("HMAC rejected its key"))?;
    mac.update(secret);
    let mut full = mac.finalize().into_bytes();
    let mut out = Zeroizing::new([0u8; DIGEST_LEN]);
    out.copy_from_slice(&full[..DIGEST_LEN]);
    full.as_mut_slice().zeroize();
    Ok(out)
}

fn interpolate(points: &[Point<'_>], x: u8) -> Result<Zeroizing<Vec<u8>>, Slip39Error> {
    // Callers pass distinct x and equal lengths; a failure here is a bug.
    gf256::interpolate(points, x).map_err(|_| Slip39Error::Internal("interpolation input"))
}

/// Split `secret` into `count` share values (x = 0..count) with threshold `threshold`.
pub(crate) fn split_secret(
    threshold: u8,
    count: u8,
    secret: &[u8],
    random: &mut dyn FnMut(&mut [u8]),
) -> Result<Vec<Zeroizing<Vec<u8>>>, Slip39Error> {
    if threshold == 0
        || threshold > count
        || usize::from(count) > MAX_SHARE_COUNT
        || secret.len() <= DIGEST_LEN
    {
        return Err(Slip39Error::Internal("split_secret parameters"));
    }
    if threshold == 1 {
        return Ok((0..count)
            .map(|_| Zeroizing::new(secret.to_vec()))
            .collect());
    }
    let n = secret.len();
    let random_count = threshold - 2;
    let mut values: Vec<Zeroizing<Vec<u8>>> = Vec::with_capacity(usize::from(count));
    for _ in 0..random_count {
        let mut v = Zeroizing::new(vec![0u8; n]);
        random(&mut v);
        values.push(v);
    }
    let mut digest_share = Zeroizing::new(vec![0u8; n]);
    random(&mut digest_share[DIGEST_LEN..]);
    let digest = create_digest(&digest_share[DIGEST_LEN..], secret)?;
    digest_share[..DIGEST_LEN].copy_from_slice(&*digest);

    let computed = {
        let mut base: Vec<Point<'_>> = (0u8..)
            .zip(values.iter())
            .map(|(x, y)| Point { x, y })
            .collect();
        base.push(Point {
            x: DIGEST_INDEX,
            y: &digest_share,
        });
        base.push(Point {
            x: SECRET_INDEX,
            y: secret,
        });
        (random_count..count)
            .map(|x| interpolate(&base, x))
            .collect::<Result<Vec<_>, _>>()?
    };
    values.extend(computed);
    Ok(values)
}

/// Why [`recover_secret`] failed.
pub(crate) enum RecoverError {
    /// The digest did not match.
    Digest,
    /// A bug: see [`Slip39Error::Internal`].
    Internal(Slip39Error),
}

/// Recover the secret at x = 255 from exactly `threshold` points, checking the digest.
pub(crate) fn recover_secret(
    threshold: u8,
    points: &[Point<'_>],
) -> Result<Zeroizing<Vec<u8>>, RecoverError> {
    if threshold == 1 {
        return points
            .first()
            .map(|p| Zeroizing::new(p.y.to_vec()))
            .ok_or(RecoverError::Internal(Slip39Error::Internal("no points")));
    }
    let secret = interpolate(points, SECRET_INDEX).map_err(RecoverError::Internal)?;
    let digest_share = interpolate(points, DIGEST_INDEX).map_err(RecoverError::Internal)?;
    if digest_share.len() <= DIGEST_LEN {
        return Err(RecoverError::Internal(Slip39Error::Internal(
            "share too short",
        )));
    }
    let expected =
        create_digest(&digest_share[DIGEST_LEN..], &secret).map_err(RecoverError::Internal)?;
    if bool::from(digest_share[..DIGEST_LEN].ct_eq(&expected[..])) {
        Ok(secret)
    } else {
        Err(RecoverError::Digest)
    }
}

/// Decrypt a recovered EMS.
pub(crate) fn decrypt(
    ems: &[u8],
    passphrase: &Passphrase,
    info: &ShareInfo,
) -> Result<MasterSecret, Slip39Error> {
    let ms = cipher::decrypt(
        ems,
        passphrase.expose_secret(),
        info.iteration_exponent,
        info.identifier,
        info.extendable,
    );
    MasterSecret::from_zeroizing(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter_random() -> impl FnMut(&mut [u8]) {
        let mut k: u32 = 0;
        move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                *b = (k.wrapping_mul(31).wrapping_add(7)) as u8;
                k += 1;
            }
        }
    }

    fn points(values: &[Zeroizing<Vec<u8>>], xs: &[u8]) -> Vec<(u8, Vec<u8>)> {
        xs.iter()
            .map(|&x| (x, values[usize::from(x)].to_vec()))
            .collect()
    }

    fn recover(threshold: u8, pts: &[(u8, Vec<u8>)]) -> Result<Zeroizing<Vec<u8>>, RecoverError> {
        let p: Vec<Point<'_>> = pts.iter().map(|(x, y)| Point { x: *x, y }).collect();
        recover_secret(threshold, &p)
    }

    #[test]
    fn any_threshold_subset_recovers_and_digest_catches_tampering() {
        let secret: Vec<u8> = (0..32).collect();
        let mut rnd = counter_random();
        let values = split_secret(3, 5, &secret, &mut rnd).unwrap();
        assert_eq!(values.len(), 5);
        for xs in [[0u8, 1, 2], [4, 2, 0], [1, 3, 4]] {
            let got = recover(3, &points(&values, &xs)).ok().unwrap();
            assert_eq!(&got[..], &secret[..]);
        }
        let mut bad = points(&values, &[0, 1, 2]);
        bad[1].1[0] ^= 1;
        assert!(matches!(recover(3, &bad), Err(RecoverError::Digest)));
    }

    #[test]
    fn threshold_one_copies_the_secret() {
        let secret = [9u8; 16];
        let values = split_secret(1, 3, &secret, &mut |_: &mut [u8]| {
            panic!("no randomness needed")
        })
        .unwrap();
        assert!(values.iter().all(|v| v[..] == secret[..]));
    }

    #[test]
    fn digest_share_sits_at_254() {
        let secret = [0x5Au8; 16];
        let values = split_secret(2, 2, &secret, &mut counter_random()).unwrap();
        let pts: Vec<(u8, Vec<u8>)> = points(&values, &[0, 1]);
        let p: Vec<Point<'_>> = pts.iter().map(|(x, y)| Point { x: *x, y }).collect();
        let d = gf256::interpolate(&p, DIGEST_INDEX).unwrap();
        let expected = create_digest(&d[DIGEST_LEN..], &secret).unwrap();
        assert_eq!(&d[..DIGEST_LEN], &expected[..]);
    }

    #[test]
    fn config_validation_mirrors_reference() {
        let ok = SplitConfig {
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
            ],
            extendable: false,
            iteration_exponent: 0,
        };
        assert_eq!(ok.validate(), Ok(()));
        // Group threshold 1 with several groups is allowed (only member level forbids 1-of-N).
        let mut c = ok.clone();
        c.group_threshold = 1;
        assert_eq!(c.validate(), Ok(()));

        type Mutation = fn(&mut SplitConfig);
        let cases: Vec<(Mutation, ConfigError)> = vec![
            (
                (|c: &mut SplitConfig| c.iteration_exponent = 16),
                ConfigError::IterationExponentTooLarge { exponent: 16 },
            ),
            (
                (|c: &mut SplitConfig| c.group_threshold = 0),
                ConfigError::GroupThresholdZero,
            ),
            (
                (|c: &mut SplitConfig| c.group_threshold = 3),
                ConfigError::GroupThresholdExceedsCount {
                    threshold: 3,
                    count: 2,
                },
            ),
            (
                (|c: &mut SplitConfig| {
                    c.groups = vec![
                        GroupSpec {
                            member_threshold: 1,
                            member_count: 1
                        };
                        17
                    ]
                }),
                ConfigError::TooManyGroups { count: 17 },
            ),
            (
                (|c: &mut SplitConfig| c.groups[1].member_threshold = 0),
                ConfigError::MemberThresholdZero { group_index: 1 },
            ),
            (
                (|c: &mut SplitConfig| c.groups[1].member_threshold = 4),
                ConfigError::MemberThresholdExceedsCount {
                    group_index: 1,
                    threshold: 4,
                    count: 3,
                },
            ),
            (
                (|c: &mut SplitConfig| c.groups[1].member_count = 17),
                ConfigError::TooManyMembers {
                    group_index: 1,
                    count: 17,
                },
            ),
            (
                (|c: &mut SplitConfig| c.groups[0].member_count = 2),
                ConfigError::MultipleSharesWithThresholdOne {
                    group_index: 0,
                    count: 2,
                },
            ),
            (
                (|c: &mut SplitConfig| c.groups.clear()),
                ConfigError::GroupThresholdExceedsCount {
                    threshold: 2,
                    count: 0,
                },
            ),
        ];
        for (mutate, want) in cases {
            let mut c = ok.clone();
            mutate(&mut c);
            assert_eq!(c.validate(), Err(want));
        }
    }
}

//! Cost of split and recover against their floor: PBKDF2-HMAC-SHA256 with the same total
//! iteration count (10000 << e) on the same kind of input (password [i] || passphrase,
//! salt "shamir" || id || half of a 16-byte secret, 8-byte output). Everything else in
//! SLIP-39 should be noise next to it; the target is recover <= 1.15x raw at e = 4.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use keyrite::slip39::{combine, split, MasterSecret, Passphrase, Share, SplitConfig};
use sha2::Sha256;

fn stream(seed: u8) -> impl FnMut(&mut [u8]) {
    let mut k = u32::from(seed);
    move |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            *b = k.wrapping_mul(31).wrapping_add(7) as u8;
            k = k.wrapping_add(1);
        }
    }
}

fn bench(c: &mut Criterion) {
    let secret = MasterSecret::new(&[0x5A; 16]).expect("16-byte secret");
    let passphrase = Passphrase::new("TREZOR").expect("printable passphrase");
    let mut group = c.benchmark_group("slip39");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));

    for e in 0u8..=4 {
        let mut config = SplitConfig::single_group(2, 3);
        config.extendable = false;
        config.iteration_exponent = e;

        group.bench_with_input(BenchmarkId::new("split", e), &e, |b, _| {
            b.iter(|| split(&secret, &passphrase, &config, &mut stream(e)).expect("split"))
        });

        let groups = split(&secret, &passphrase, &config, &mut stream(e)).expect("split");
        let shares: Vec<Share> = groups[0][..2]
            .iter()
            .map(|s| Share::from_mnemonic(s.to_words().expose_secret()).expect("own words"))
            .collect();
        group.bench_with_input(BenchmarkId::new("recover", e), &e, |b, _| {
            b.iter(|| combine(&shares, &passphrase).expect("recover"))
        });

        let mut password = vec![0u8];
        password.extend_from_slice(passphrase.expose_secret());
        let mut salt = b"shamir".to_vec();
        salt.extend_from_slice(&1234u16.to_be_bytes());
        salt.extend_from_slice(&[0x5A; 8]);
        let total = 10_000u32 << e;
        group.bench_with_input(BenchmarkId::new("raw_pbkdf2", e), &e, |b, _| {
            b.iter(|| {
                let mut out = [0u8; 8];
                pbkdf2::pbkdf2_hmac::<Sha256>(&password, &salt, total, &mut out);
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Device round trips over a real pseudo-terminal: the Jade driver opens the slave through
//! `serialport`, the simulator serves the master on a thread.
//!
//! - `get_xpub` latency: 1000 single calls, timed one by one; the median, 90th and 99th
//!   percentiles are printed first, then criterion measures the same call.
//! - `sign_message` throughput for large messages (4 KiB to 256 KiB): bytes of message
//!   per second, request over the pty, signature back.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keyrite::bip32::{parse_path, Network};
use keyrite::device::sim::{Faults, SimConfig, SimState, Simulator};
use keyrite::device::{self, Driver, PortSpec, Timeouts, Wallet};
use zeroize::Zeroizing;

fn jade() -> (Simulator, Box<dyn Wallet>) {
    let config = SimConfig {
        driver: Driver::Jade,
        state: SimState::Ready,
        secret: Some(Zeroizing::new(vec![0x5a; 32])),
        debug_build: false,
        faults: Faults::default(),
    };
    let sim = Simulator::start_pty(config, None).expect("the simulator starts");
    let timeouts = Timeouts {
        reply: Duration::from_secs(10),
        confirm: Duration::from_secs(10),
    };
    let mut wallet = device::connect(
        Driver::Jade,
        &PortSpec::Path(sim.path().display().to_string()),
        timeouts,
    )
    .expect("the pty opens");
    wallet
        .unlock(Network::Bitcoin)
        .expect("the simulated Jade is ready");
    (sim, wallet)
}

fn latency(c: &mut Criterion) {
    let (_sim, mut w) = jade();
    let path = parse_path("m/84'/0'/0'").expect("a path");
    let mut times: Vec<Duration> = (0..1000)
        .map(|_| {
            let t = Instant::now();
            w.xpub(Network::Bitcoin, &path).expect("an xpub");
            t.elapsed()
        })
        .collect();
    w.take_exchanges();
    times.sort();
    let total: Duration = times.iter().sum();
    println!(
        "jade get_xpub over pty, 1000 calls: median {:?}, p90 {:?}, p99 {:?}, mean {:?}",
        times[499],
        times[899],
        times[989],
        total / 1000
    );
    c.bench_function("jade get_xpub round trip over pty", |b| {
        b.iter(|| {
            let x = w.xpub(Network::Bitcoin, &path).expect("an xpub");
            w.take_exchanges();
            x
        })
    });
}

fn throughput(c: &mut Criterion) {
    let (_sim, mut w) = jade();
    let path = parse_path("m/84'/0'/0'/0/0").expect("a path");
    let mut group = c.benchmark_group("jade sign_message payload over pty");
    for size in [4 * 1024usize, 64 * 1024, 256 * 1024] {
        let message = "k".repeat(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &message, |b, m| {
            b.iter(|| {
                let s = w.sign_message(&path, m).expect("a signature");
                w.take_exchanges();
                s
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = latency, throughput
}
criterion_main!(benches);

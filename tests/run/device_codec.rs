//! Properties of Jade's stream codec: any split of a stream of messages decodes to the
//! same messages; noise that cannot start a map is skipped and counted; no input panics.

use ciborium::Value;
use keyrite::device::cbor::{encode, map, text, Decoder};
use proptest::prelude::*;

fn message(id: u32, payload: Vec<u8>) -> Vec<u8> {
    encode(&map(vec![
        ("id", text(&id.to_string())),
        ("result", Value::Bytes(payload)),
    ]))
}

proptest! {
    #[test]
    fn any_split_decodes_the_same(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..6),
        cuts in prop::collection::vec(1usize..64, 0..40),
    ) {
        let stream: Vec<u8> = payloads
            .iter()
            .enumerate()
            .flat_map(|(i, p)| message(i as u32, p.clone()))
            .collect();
        let mut d = Decoder::default();
        let mut got = Vec::new();
        let mut rest = stream.as_slice();
        for cut in cuts.iter().chain(std::iter::repeat(&usize::MAX)) {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at((*cut).min(rest.len()));
            d.push(now);
            while let Some(m) = d.next_message().unwrap() {
                got.push(m.raw);
            }
            rest = later;
        }
        let want: Vec<Vec<u8>> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| message(i as u32, p.clone()))
            .collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(d.skipped(), 0);
    }

    #[test]
    fn noise_that_cannot_start_a_map_is_skipped(
        noise in prop::collection::vec(any::<u8>().prop_filter("not a map header", |b| !(0xa0..=0xbf).contains(b)), 0..200),
        payload in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        let mut stream = noise.clone();
        stream.extend(message(7, payload.clone()));
        let mut d = Decoder::default();
        d.push(&stream);
        let m = d.next_message().unwrap().expect("the message after the noise");
        prop_assert_eq!(m.raw, message(7, payload));
        prop_assert_eq!(d.skipped(), noise.len());
    }

    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..128), 0..32)) {
        let mut d = Decoder::new(2048);
        for c in &chunks {
            d.push(c);
            while let Ok(Some(_)) = d.next_message() {}
            prop_assert!(d.buffered() <= 2048 + 128);
        }
    }
}

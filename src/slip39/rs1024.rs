//! RS1024: the Reed-Solomon checksum over GF(1024) that closes every SLIP-39 share.
//!
//! The checksum is three 10-bit words computed over the customization string's bytes
//! followed by the share's words. The customization string is `shamir` for ordinary
//! shares and `shamir_extendable` for shares with the extendable-backup flag, so a
//! share cannot pass as the other kind. It detects any error in up to 3 words and
//! fails to detect other errors with probability below 1e-9.
//!
//! Invariants: inputs are 10-bit values (< 1024); `create_checksum` followed by
//! `verify_checksum` over data + checksum always succeeds.

/// Customization string for shares without the extendable-backup flag.
pub(crate) const CUSTOMIZATION_ORIG: &[u8] = b"shamir";
/// Customization string for shares with the extendable-backup flag.
pub(crate) const CUSTOMIZATION_EXTENDABLE: &[u8] = b"shamir_extendable";
/// Length of the checksum in words.
pub(crate) const CHECKSUM_WORDS: usize = 3;

pub(crate) fn customization(extendable: bool) -> &'static [u8] {
    if extendable {
        CUSTOMIZATION_EXTENDABLE
    } else {
        CUSTOMIZATION_ORIG
    }
}

const GEN: [u32; 10] = [
    0x00E0_E040,
    0x01C1_C080,
    0x0383_8100,
    0x0707_0200,
    0x0E0E_0009,
    0x1C0C_2412,
    0x3808_6C24,
    0x3090_FC48,
    0x21B1_F890,
    0x03F3_F120,
];

fn polymod(values: impl Iterator<Item = u32>) -> u32 {
    let mut chk: u32 = 1;
    for v in values {
        let b = chk >> 20;
        chk = ((chk & 0x000F_FFFF) << 10) ^ v;
        for (i, g) in GEN.iter().enumerate() {
            // Branch-free select: b is derived from share words, which are secret.
            chk ^= g & 0u32.wrapping_sub((b >> i) & 1);
        }
    }
    chk
}

fn stream<'a>(custom: &'a [u8], data: &'a [u16]) -> impl Iterator<Item = u32> + 'a {
    custom
        .iter()
        .map(|&c| u32::from(c))
        .chain(data.iter().map(|&w| u32::from(w)))
}

/// The three checksum words for `data` (10-bit values).
pub(crate) fn create_checksum(data: &[u16], extendable: bool) -> [u16; CHECKSUM_WORDS] {
    let values = stream(customization(extendable), data).chain([0u32; CHECKSUM_WORDS]);
    let pm = polymod(values) ^ 1;
    // Masked to 10 bits, so the narrowing casts are exact.
    [
        ((pm >> 20) & 0x3FF) as u16,
        ((pm >> 10) & 0x3FF) as u16,
        (pm & 0x3FF) as u16,
    ]
}

/// Whether `data` (share words including the trailing checksum) is a valid codeword.
pub(crate) fn verify_checksum(data: &[u16], extendable: bool) -> bool {
    polymod(stream(customization(extendable), data)) == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    // Word indices of vector 1 ("duckling enlarge academic academic agency result
    // length solution fridge kidney coal piece deal husband erode duke ajar critical
    // decision keyboard"), computed with the reference implementation.
    const VECTOR_1: [u16; 20] = [
        248, 288, 0, 0, 17, 753, 521, 840, 372, 497, 155, 670, 192, 448, 297, 249, 23, 173, 196,
        496,
    ];

    #[test]
    fn known_share_verifies_and_checksum_is_reproduced() {
        assert!(verify_checksum(&VECTOR_1, false));
        assert!(
            !verify_checksum(&VECTOR_1, true),
            "customization string must matter"
        );
        let (data, check) = VECTOR_1.split_at(17);
        assert_eq!(&create_checksum(data, false)[..], check);
    }

    #[test]
    fn every_single_word_error_is_detected() {
        for pos in 0..VECTOR_1.len() {
            for delta in [1u16, 2, 512, 1023] {
                let mut bad = VECTOR_1;
                bad[pos] ^= delta;
                assert!(!verify_checksum(&bad, false), "pos {pos} delta {delta}");
            }
        }
    }

    #[test]
    fn swapped_words_are_detected() {
        let mut bad = VECTOR_1;
        bad.swap(5, 6);
        assert!(!verify_checksum(&bad, false));
    }

    #[test]
    fn round_trip_both_customizations() {
        let data: Vec<u16> = (0..30u16).map(|i| (i * 37 + 5) % 1024).collect();
        for ext in [false, true] {
            let mut full = data.clone();
            full.extend_from_slice(&create_checksum(&data, ext));
            assert!(verify_checksum(&full, ext));
            assert!(!verify_checksum(&full, !ext));
        }
    }
}

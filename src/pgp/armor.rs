//! Splitting input into ASCII-armour blocks, and writing armour.
//!
//! The OpenPGP library's armour reader decodes one block and stops, but people
//! concatenate armoured files (`cat a.asc b.asc > both.asc`). To see everything such a
//! file holds, [`blocks`] cuts it at the `-----BEGIN PGP …-----` / `-----END PGP …-----`
//! lines and each block is parsed on its own.
//!
//! Invariants:
//! - Input without any `-----BEGIN PGP ` line is returned whole, as one (binary or
//!   unknown) block: nothing is dropped.
//! - Text outside armour blocks (comments, blank lines) is ignored, as GnuPG does.
//! - A `BEGIN` line without its `END` line yields the rest of the input as one block,
//!   so the parser reports the damage instead of this module hiding it.

use std::io::Write;

use openpgp::armor;
use openpgp::serialize::Marshal;
use openpgp::Packet;
use sequoia_openpgp as openpgp;

use super::error::PgpError;

const BEGIN: &[u8] = b"-----BEGIN PGP ";
const END: &[u8] = b"-----END PGP ";

/// Cuts `data` into its armour blocks, or returns it whole if it has none.
pub(crate) fn blocks(data: &[u8]) -> Vec<&[u8]> {
    let line_starts = || {
        std::iter::once(0).chain(
            data.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
    };
    let mut out = Vec::new();
    let mut begin: Option<usize> = None;
    for start in line_starts() {
        let line = &data[start..];
        match begin {
            None if line.starts_with(BEGIN) => begin = Some(start),
            Some(b) if line.starts_with(END) => {
                let end = line
                    .iter()
                    .position(|c| *c == b'\n')
                    .map(|p| start + p + 1)
                    .unwrap_or(data.len());
                out.push(&data[b..end]);
                begin = None;
            }
            _ => {}
        }
    }
    if let Some(b) = begin {
        out.push(&data[b..]);
    }
    if out.is_empty() {
        out.push(data);
    }
    out
}

/// Serialises `packets` into one armour block of the given kind.
pub(crate) fn armor_packets<'a>(
    kind: armor::Kind,
    packets: impl IntoIterator<Item = &'a Packet>,
) -> Result<String, PgpError> {
    let mut writer = armor::Writer::new(Vec::new(), kind)
        .map_err(|e| PgpError::crypto("writing ASCII armour", e))?;
    for p in packets {
        p.serialize(&mut writer)
            .map_err(|e| PgpError::crypto("writing ASCII armour", e))?;
    }
    writer
        .flush()
        .map_err(|e| PgpError::crypto("writing ASCII armour", e))?;
    let bytes = writer
        .finalize()
        .map_err(|e| PgpError::crypto("writing ASCII armour", e))?;
    String::from_utf8(bytes).map_err(|e| PgpError::crypto("writing ASCII armour", e))
}

#[cfg(test)]
mod tests {
    use super::blocks;

    #[test]
    fn no_armour_is_one_block() {
        assert_eq!(blocks(b"\x99\x01abc"), vec![&b"\x99\x01abc"[..]]);
        assert_eq!(blocks(b""), vec![&b""[..]]);
    }

    #[test]
    fn cuts_concatenated_blocks() {
        let two = b"junk\n-----BEGIN PGP SIGNATURE-----\n\nAAA\n-----END PGP SIGNATURE-----\n\
                    \n-----BEGIN PGP SIGNATURE-----\r\n\r\nBBB\r\n-----END PGP SIGNATURE-----";
        let b = blocks(two);
        assert_eq!(b.len(), 2);
        assert!(
            b[0].starts_with(b"-----BEGIN") && b[0].ends_with(b"-----END PGP SIGNATURE-----\n")
        );
        assert!(b[1].starts_with(b"-----BEGIN") && b[1].ends_with(b"SIGNATURE-----"));
    }

    #[test]
    fn unterminated_block_is_kept() {
        let b = blocks(b"-----BEGIN PGP MESSAGE-----\n\nAAA\n");
        assert_eq!(b, vec![&b"-----BEGIN PGP MESSAGE-----\n\nAAA\n"[..]]);
    }
}

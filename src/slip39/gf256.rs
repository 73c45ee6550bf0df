//! Arithmetic in GF(256) and Lagrange interpolation, as SLIP-39 defines them.
//!
//! The field is GF(2)[x] / (x^8 + x^4 + x^3 + x + 1) (the Rijndael polynomial, 0x11B).
//! Multiplication uses log/exp tables generated from the generator x + 1 (0x03),
//! exactly like the reference implementation, so results agree bit for bit.
//!
//! Invariants:
//! - `EXP[i]` for i in 0..255 enumerates every non-zero element once; `LOG[EXP[i]] == i`.
//!   `LOG[0]` is meaningless and every use of it is masked out.
//! - `interpolate` takes points with distinct x coordinates and equal-length y values;
//!   its callers (`shamir`) guarantee both, and it re-checks them so a bug cannot yield
//!   a silently wrong secret.
//! - The Lagrange basis depends only on the public x coordinates; secret y bytes go
//!   only through the masked multiply, which has no secret-dependent branch. (Table
//!   look-ups indexed by secret bytes remain, as in the reference; keyrite runs on an
//!   offline machine where cache-timing observers are out of scope.)

use zeroize::Zeroizing;

const fn tables() -> ([u8; 255], [u8; 256]) {
    let mut exp = [0u8; 255];
    let mut log = [0u8; 256];
    let mut poly: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = poly as u8;
        log[poly as usize] = i as u8;
        // Multiply by the generator x + 1, then reduce by the field polynomial.
        poly ^= poly << 1;
        if poly & 0x100 != 0 {
            poly ^= 0x11B;
        }
        i += 1;
    }
    (exp, log)
}

const TABLES: ([u8; 255], [u8; 256]) = tables();
/// `EXP[i]` = g^i for the generator g = x + 1.
pub(crate) const EXP: [u8; 255] = TABLES.0;
/// `LOG[a]` = i such that g^i = a, for a != 0.
pub(crate) const LOG: [u8; 256] = TABLES.1;

/// Product of `a` and the field element whose logarithm is `log_b` (so b != 0).
/// Zero `a` is handled by a mask rather than a branch, because `a` is secret.
#[inline]
fn mul_by_log(a: u8, log_b: usize) -> u8 {
    let r = EXP[(usize::from(LOG[usize::from(a)]) + log_b) % 255];
    let nonzero = u8::from(a != 0);
    r & 0u8.wrapping_sub(nonzero)
}

/// Field multiplication (the tests' reference point for the table-based code).
#[cfg(test)]
fn mul(a: u8, b: u8) -> u8 {
    let r = mul_by_log(a, usize::from(LOG[usize::from(b)]));
    r & 0u8.wrapping_sub(u8::from(b != 0))
}

/// A point (x, y) of the shared polynomials: one polynomial per byte of `y`.
pub(crate) struct Point<'a> {
    pub x: u8,
    pub y: &'a [u8],
}

/// Why interpolation refused its input; only reachable through a bug in the caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InterpolateError {
    NoPoints,
    DuplicateX,
    LengthMismatch,
}

/// Evaluate at `x` the polynomials of least degree through `points`.
pub(crate) fn interpolate(
    points: &[Point<'_>],
    x: u8,
) -> Result<Zeroizing<Vec<u8>>, InterpolateError> {
    let first = points.first().ok_or(InterpolateError::NoPoints)?;
    let len = first.y.len();
    if points.iter().any(|p| p.y.len() != len) {
        return Err(InterpolateError::LengthMismatch);
    }
    for (i, p) in points.iter().enumerate() {
        if points[..i].iter().any(|q| q.x == p.x) {
            return Err(InterpolateError::DuplicateX);
        }
    }
    // A known point is returned as is: the basis formula below would divide by zero.
    if let Some(p) = points.iter().find(|p| p.x == x) {
        return Ok(Zeroizing::new(p.y.to_vec()));
    }

    // log of prod_k (x_k - x); subtraction is XOR in characteristic 2.
    let log_prod: usize = points
        .iter()
        .map(|p| usize::from(LOG[usize::from(p.x ^ x)]))
        .sum();
    let mut out = Zeroizing::new(vec![0u8; len]);
    for p in points {
        // log of the basis polynomial l_p(x) = prod_{k != p} (x - x_k) / (x_p - x_k),
        // written as log_prod - log(x_p - x) - sum_{k != p} log(x_p - x_k), mod 255.
        let denominator: usize = points
            .iter()
            .filter(|q| q.x != p.x)
            .map(|q| usize::from(LOG[usize::from(p.x ^ q.x)]))
            .sum::<usize>()
            + usize::from(LOG[usize::from(p.x ^ x)]);
        // Both sums are small (at most 16 * 2 * 254), so the i64 difference is exact.
        let log_basis = (log_prod as i64 - denominator as i64).rem_euclid(255) as usize;
        for (o, &y) in out.iter_mut().zip(p.y) {
            *o ^= mul_by_log(y, log_basis);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Schoolbook carry-less multiply and reduction, independent of the tables.
    fn slow_mul(mut a: u8, mut b: u8) -> u8 {
        let mut r = 0u8;
        while b != 0 {
            if b & 1 != 0 {
                r ^= a;
            }
            let carry = a & 0x80 != 0;
            a <<= 1;
            if carry {
                a ^= 0x1B;
            }
            b >>= 1;
        }
        r
    }

    #[test]
    fn tables_are_a_bijection() {
        let mut seen = [false; 256];
        for (i, &e) in EXP.iter().enumerate() {
            assert_ne!(e, 0);
            assert!(!seen[usize::from(e)], "EXP repeats {e}");
            seen[usize::from(e)] = true;
            assert_eq!(usize::from(LOG[usize::from(e)]), i);
        }
        assert_eq!(EXP[0], 1);
        assert_eq!(EXP[1], 3);
    }

    #[test]
    fn multiplication_matches_schoolbook() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                assert_eq!(mul(a, b), slow_mul(a, b), "{a} * {b}");
            }
        }
        // FIPS-197 worked example: {57} * {83} = {c1}.
        assert_eq!(mul(0x57, 0x83), 0xC1);
    }

    fn eval(coeffs: &[u8], x: u8) -> u8 {
        coeffs.iter().rev().fold(0, |acc, &c| mul(acc, x) ^ c)
    }

    #[test]
    fn interpolation_recovers_polynomial_values() {
        let polys: [&[u8]; 3] = [
            &[0x12, 0x34, 0x56],
            &[0xFF, 0x00, 0x01],
            &[0x00, 0x80, 0x7F],
        ];
        let xs = [0u8, 3, 7];
        let ys: Vec<Vec<u8>> = xs
            .iter()
            .map(|&x| polys.iter().map(|p| eval(p, x)).collect())
            .collect();
        let points: Vec<Point<'_>> = xs.iter().zip(&ys).map(|(&x, y)| Point { x, y }).collect();
        for target in [255u8, 254, 1, 0, 7] {
            let got = interpolate(&points, target).unwrap();
            let want: Vec<u8> = polys.iter().map(|p| eval(p, target)).collect();
            assert_eq!(&got[..], &want[..], "x = {target}");
        }
    }

    #[test]
    fn interpolation_rejects_bad_input() {
        let a = [1u8, 2];
        let b = [3u8];
        assert_eq!(
            interpolate(&[], 255).unwrap_err(),
            InterpolateError::NoPoints
        );
        let dup = [Point { x: 1, y: &a }, Point { x: 1, y: &a }];
        assert_eq!(
            interpolate(&dup, 255).unwrap_err(),
            InterpolateError::DuplicateX
        );
        let uneven = [Point { x: 1, y: &a }, Point { x: 2, y: &b }];
        assert_eq!(
            interpolate(&uneven, 255).unwrap_err(),
            InterpolateError::LengthMismatch
        );
    }
}

//! Byte-level helpers on the append path: UTF-8 validation tuned for the short
//! ASCII strings audit events are made of, and the fingerprint hash.

use std::str::Utf8Error;

/// `bytes` as text, if it is valid UTF-8. ASCII, the usual case, is checked a
/// word at a time; anything else goes through the full validator, whose error
/// says where the first invalid byte is.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, Utf8Error> {
    if is_ascii(bytes) {
        // SAFETY: ASCII is valid UTF-8.
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes)
    }
}

/// Whether every byte of `b` is ASCII: the bytes OR-ed together a word at a
/// time, with one or two overlapping loads for short strings (the standard
/// library's check goes byte by byte below 8 bytes and sets up for long input).
#[inline]
fn is_ascii(b: &[u8]) -> bool {
    let n = b.len();
    let any = if n >= 8 {
        let mut any = word(b, n - 8);
        let mut at = 0;
        while at + 8 < n {
            any |= word(b, at);
            at += 8;
        }
        any
    } else if n >= 4 {
        half(b, 0) | half(b, n - 4)
    } else {
        b.iter().fold(0, |any, &byte| any | u64::from(byte))
    };
    any & 0x8080_8080_8080_8080 == 0
}

/// Whether `b` holds a NUL byte: a word at a time, with the same overlapping
/// loads as [`is_ascii`] (a NUL inside a field would cut it short in C, so the
/// core refuses it; strings from C never have one, and this keeps the check
/// to a few instructions for them).
#[inline]
pub(crate) fn has_nul(b: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Sets a byte's high bit if that byte is 0 (and may for a 0x80 byte after
    // a 0, which is a zero byte already).
    let zero = |w: u64| w.wrapping_sub(LOW) & !w & HIGH;
    let n = b.len();
    if n >= 8 {
        let mut any = zero(word(b, n - 8));
        let mut at = 0;
        while at + 8 < n {
            any |= zero(word(b, at));
            at += 8;
        }
        any != 0
    } else if n >= 4 {
        // The two halves, each padded with non-zero bytes.
        let pad = 0x0101_0101_0000_0000;
        zero(half(b, 0) | pad) | zero(half(b, n - 4) | pad) != 0
    } else {
        b.contains(&0)
    }
}

/// The 8 bytes of `b` from `at`, as a little-endian number.
#[inline(always)]
fn word(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// The 4 bytes of `b` from `at`, as a little-endian number.
#[inline(always)]
fn half(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes(
        b[at..at + 4].try_into().expect("4 bytes"),
    ))
}

/// A 32-bit hash of `s`, eight bytes at a time: cheap, and enough to skip
/// almost every non-matching event without touching its text. Short strings
/// take one or two overlapping loads, so no byte is read twice in a loop.
#[inline]
pub(crate) fn fingerprint(s: &str) -> u32 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, word: u64| (h.rotate_left(23) ^ word).wrapping_mul(K);
    let b = s.as_bytes();
    let n = b.len();
    // The length goes in first, so the overlapping loads below are unambiguous.
    let mut h = (n as u64).wrapping_mul(K);
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            h = mix(h, word(b, at));
            at += 8;
        }
        h = mix(h, word(b, n - 8));
    } else if n >= 4 {
        h = mix(h, half(b, 0) | half(b, n - 4) << 32);
    } else if n > 0 {
        h = mix(
            h,
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
        );
    }
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_like_the_standard_library() {
        let cases: [&[u8]; 7] = [
            b"",
            b"user.delete",
            "caf\u{e9} \u{2028}".as_bytes(),
            b"ascii then \xff",
            b"\xc3",
            b"long enough to take the word path, then \xe2\x80",
            b"0123456789abcdef0123456789abcdef",
        ];
        for case in cases {
            assert_eq!(utf8(case), std::str::from_utf8(case), "{case:?}");
        }
    }

    #[test]
    fn finds_a_nul_anywhere_in_any_length() {
        for n in 0..40 {
            let clean = vec![b'a'; n];
            assert!(!has_nul(&clean), "{n}");
            let high = vec![0x80u8; n];
            assert!(!has_nul(&high), "0x80 x {n}");
            for at in 0..n {
                let mut with = clean.clone();
                with[at] = 0;
                assert!(has_nul(&with), "{n} {at}");
                let mut after_high = high.clone();
                after_high[at] = 0;
                assert!(has_nul(&after_high), "0x80 x {n}, 0 at {at}");
                let mut one = clean.clone();
                one[at] = 1;
                assert!(!has_nul(&one), "1 at {at} of {n}");
            }
        }
    }

    #[test]
    fn fingerprints_tell_apart_prefixes_lengths_and_neighbours() {
        let words = [
            "",
            "a",
            "a\0",
            "ab",
            "ba",
            "abc",
            "acb",
            "user",
            "user7",
            "user70",
            "user:7",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghi",
            "abcdefghij",
            "bcdefghij",
        ];
        let prints: Vec<u32> = words.iter().map(|w| fingerprint(w)).collect();
        for i in 0..words.len() {
            for j in i + 1..words.len() {
                assert_ne!(prints[i], prints[j], "{:?} and {:?}", words[i], words[j]);
            }
        }
        let mut seen: Vec<u32> = (0..10_000)
            .map(|n| fingerprint(&format!("user{n}")))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 10_000, "no collisions among 10,000 actor names");
    }
}

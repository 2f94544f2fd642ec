//! Signed checkpoints: the tree size and root at the end of an epoch, with the
//! next epoch's public key, as a C2SP signed note in the tlog-checkpoint style.
//!
//! The text of a checkpoint (`docs/FORMAT-seal.md` has the grammar):
//!
//! ```text
//! audit-logger/0123456789abcdef0123456789abcdef
//! 1000
//! 3Q4bOhl0mrrprqMdJ7GkPXRPCzqbWkmHpb0XYPWuL6s=
//! epoch 3
//! time 1767225600000001
//! next 8dJ2kYOd6n7pHj8t1p0xk0m9cS0cQhQvB7bQ9yH8Vb4=
//!
//! — audit-logger/0123456789abcdef0123456789abcdef Wy1tZ…
//! ```
//!
//! The body (everything before the blank line, including its last newline) is
//! what the epoch's Ed25519 key signs. The signature line is
//! `— <key name> <base64(key id || signature)>`, with the key name equal to
//! the origin and the key id as C2SP signed notes define it for Ed25519.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;
use crate::core::{Error, ErrorKind, Result};

/// An Ed25519 public key, 32 bytes.
pub type PublicKey = [u8; 32];

/// The C2SP signed-note signature type byte for Ed25519.
pub const ED25519_ALGORITHM: u8 = 0x01;

/// The longest origin accepted, in bytes.
pub const MAX_ORIGIN_LEN: usize = 255;

/// The em dash (U+2014) and space that start a signed-note signature line.
const SIG_PREFIX: &str = "\u{2014} ";

/// The signed part of a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointBody {
    /// Which log this is (the journal uses `audit-logger/<log id hex>`); also
    /// the key name of the signature.
    pub origin: String,
    /// The number of leaves (events) the tree holds.
    pub size: u64,
    /// The RFC 9162 Merkle Tree Hash of those leaves.
    pub root: Hash,
    /// The epoch whose key signs this checkpoint: 0 for the first.
    pub epoch: u64,
    /// When the checkpoint was made, in microseconds since the Unix epoch.
    pub time: u64,
    /// The public key of epoch `epoch + 1`, which signs the next checkpoint.
    pub next_key: PublicKey,
    /// Written when the journal was closed cleanly at this checkpoint (the
    /// `final` line). A journal reopened later goes on with epoch `epoch + 1`.
    pub is_final: bool,
}

/// A checkpoint body with its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// What was signed.
    pub body: CheckpointBody,
    /// The key name of the signature line (always equal to the origin).
    pub key_name: String,
    /// The 4-byte key id of the signature line.
    pub key_id: [u8; 4],
    /// The Ed25519 signature over [`CheckpointBody::to_text`].
    pub signature: [u8; 64],
}

/// The C2SP signed-note key id of an Ed25519 key: the first 4 bytes of
/// `SHA-256(name || 0x0A || 0x01 || public key)`.
pub fn key_id(name: &str, public_key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a, ED25519_ALGORITHM]);
    h.update(public_key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The public key of an Ed25519 secret key (a 32-byte seed).
pub fn public_key_of(secret: &[u8; 32]) -> PublicKey {
    SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

/// Base64 (standard alphabet, padded) of a public key, as in the `next` line
/// and the anchor file.
pub fn encode_public_key(key: &PublicKey) -> String {
    B64.encode(key)
}

/// Reads a public key written by [`encode_public_key`].
pub fn decode_public_key(text: &str) -> Result<PublicKey> {
    decode_exact::<32>(text.trim()).ok_or_else(|| {
        invalid(format!(
            "'{}' is not a base64 Ed25519 public key (32 bytes)",
            text.trim()
        ))
    })
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidDocument, message)
}

/// Standard padded base64 of exactly `N` bytes, canonical (no stray bits).
fn decode_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = B64.decode(text).ok()?;
    let out: [u8; N] = bytes.try_into().ok()?;
    // The decoder accepts no trailing bits, so this holds; it is the
    // definition of canonical, kept as a check.
    (B64.encode(out) == text).then_some(out)
}

/// A decimal number without sign or leading zeros.
fn parse_decimal(text: &str) -> Option<u64> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if ok {
        text.parse().ok()
    } else {
        None
    }
}

/// Checks an origin (and key name): 1 to 255 bytes of UTF-8 with no whitespace,
/// no control character and no `+` (C2SP key names forbid `+` and spaces).
pub fn check_origin(origin: &str) -> Result<()> {
    if origin.is_empty() || origin.len() > MAX_ORIGIN_LEN {
        return Err(invalid(format!(
            "origin must be 1 to {MAX_ORIGIN_LEN} bytes, not {}",
            origin.len()
        )));
    }
    if let Some(c) = origin
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == '+')
    {
        return Err(invalid(format!(
            "origin '{}' contains {:?}: no whitespace, control characters or '+'",
            origin.escape_debug(),
            c
        )));
    }
    Ok(())
}

impl CheckpointBody {
    /// The signed text: origin, size, root, then the `epoch`, `time`, `next`
    /// and (if set) `final` lines, each ending in a newline.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\nepoch {}\ntime {}\nnext {}\n",
            self.origin,
            self.size,
            B64.encode(self.root),
            self.epoch,
            self.time,
            B64.encode(self.next_key)
        );
        if self.is_final {
            s.push_str("final\n");
        }
        s
    }

    /// Signs the body with an Ed25519 secret key (a 32-byte seed). The journal
    /// signs through [`super::KeyChain`]; this is for it and for tools and tests.
    pub fn sign(&self, secret: &[u8; 32]) -> Result<Checkpoint> {
        check_origin(&self.origin)?;
        let key = SigningKey::from_bytes(secret);
        let signature = key.sign(self.to_text().as_bytes()).to_bytes();
        Ok(Checkpoint {
            key_id: key_id(&self.origin, &key.verifying_key().to_bytes()),
            key_name: self.origin.clone(),
            body: self.clone(),
            signature,
        })
    }

    fn parse(text: &str) -> Result<CheckpointBody> {
        let lines: Vec<&str> = text
            .strip_suffix('\n')
            .ok_or_else(|| invalid("checkpoint body does not end in a newline".into()))?
            .split('\n')
            .collect();
        if lines.len() < 6 || lines.len() > 7 {
            return Err(invalid(format!(
                "checkpoint body has {} lines, not 6 or 7",
                lines.len()
            )));
        }
        let origin = lines[0];
        check_origin(origin)?;
        let size = parse_decimal(lines[1])
            .ok_or_else(|| invalid(format!("checkpoint line 2: bad tree size '{}'", lines[1])))?;
        let root = decode_exact::<32>(lines[2])
            .ok_or_else(|| invalid(format!("checkpoint line 3: bad root '{}'", lines[2])))?;
        let field = |i: usize, key: &str| -> Result<&str> {
            lines[i]
                .strip_prefix(key)
                .and_then(|rest| rest.strip_prefix(' '))
                .ok_or_else(|| {
                    invalid(format!(
                        "checkpoint line {}: expected '{key} …', found '{}'",
                        i + 1,
                        lines[i].escape_debug()
                    ))
                })
        };
        let epoch_text = field(3, "epoch")?;
        let epoch = parse_decimal(epoch_text)
            .ok_or_else(|| invalid(format!("checkpoint line 4: bad epoch '{epoch_text}'")))?;
        let time_text = field(4, "time")?;
        let time = parse_decimal(time_text)
            .ok_or_else(|| invalid(format!("checkpoint line 5: bad time '{time_text}'")))?;
        let next_text = field(5, "next")?;
        let next_key = decode_exact::<32>(next_text)
            .ok_or_else(|| invalid(format!("checkpoint line 6: bad next key '{next_text}'")))?;
        let is_final = match lines.get(6) {
            None => false,
            Some(&"final") => true,
            Some(other) => {
                return Err(invalid(format!(
                    "checkpoint line 7: expected 'final', found '{}'",
                    other.escape_debug()
                )))
            }
        };
        Ok(CheckpointBody {
            origin: origin.to_owned(),
            size,
            root,
            epoch,
            time,
            next_key,
            is_final,
        })
    }
}

impl Checkpoint {
    /// The whole signed note: the body, a blank line and the signature line.
    pub fn to_text(&self) -> String {
        let mut sig = Vec::with_capacity(68);
        sig.extend_from_slice(&self.key_id);
        sig.extend_from_slice(&self.signature);
        format!(
            "{}\n{SIG_PREFIX}{} {}\n",
            self.body.to_text(),
            self.key_name,
            B64.encode(sig)
        )
    }

    /// Parses a checkpoint strictly: exactly the grammar of
    /// `docs/FORMAT-seal.md`, one signature line whose key name is the origin,
    /// nothing before or after. It does not check the signature: see
    /// [`Checkpoint::verify`].
    pub fn parse(text: &str) -> Result<Checkpoint> {
        if let Some(c) = text.chars().find(|c| c.is_control() && *c != '\n') {
            return Err(invalid(format!(
                "checkpoint contains the control character {c:?}"
            )));
        }
        let split = text
            .find("\n\n")
            .ok_or_else(|| invalid("checkpoint has no blank line before its signature".into()))?;
        let (body_text, sig_text) = (&text[..=split], &text[split + 2..]);
        let body = CheckpointBody::parse(body_text)?;
        let line = sig_text
            .strip_suffix('\n')
            .ok_or_else(|| invalid("checkpoint signature line does not end in a newline".into()))?;
        if line.contains('\n') {
            return Err(invalid(
                "checkpoint has more than one signature line or text after it".into(),
            ));
        }
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or_else(|| invalid("checkpoint signature line does not start with '— '".into()))?;
        let (name, sig_b64) = rest
            .split_once(' ')
            .ok_or_else(|| invalid("checkpoint signature line has no signature".into()))?;
        if name != body.origin {
            return Err(invalid(format!(
                "checkpoint signed under key name '{}', not its origin '{}'",
                name.escape_debug(),
                body.origin
            )));
        }
        let sig = decode_exact::<68>(sig_b64).ok_or_else(|| {
            invalid(
                "checkpoint signature is not base64 of a key id and an Ed25519 signature".into(),
            )
        })?;
        let mut key_id = [0u8; 4];
        key_id.copy_from_slice(&sig[..4]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&sig[4..]);
        Ok(Checkpoint {
            key_name: name.to_owned(),
            body,
            key_id,
            signature,
        })
    }

    /// Whether `public_key` made this checkpoint's signature: the key id
    /// matches the key and the Ed25519 signature over the body verifies
    /// (strictly: no malleable or small-order encodings).
    pub fn verify(&self, public_key: &PublicKey) -> bool {
        if key_id(&self.key_name, public_key) != self.key_id || self.key_name != self.body.origin {
            return false;
        }
        let Ok(key) = VerifyingKey::from_bytes(public_key) else {
            return false;
        };
        key.verify_strict(
            self.body.to_text().as_bytes(),
            &Signature::from_bytes(&self.signature),
        )
        .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> CheckpointBody {
        CheckpointBody {
            origin: "audit-logger/00112233445566778899aabbccddeeff".into(),
            size: 1000,
            root: [7; 32],
            epoch: 3,
            time: 1_767_225_600_000_001,
            next_key: public_key_of(&[9; 32]),
            is_final: false,
        }
    }

    #[test]
    fn round_trips_and_verifies() {
        for is_final in [false, true] {
            let b = CheckpointBody { is_final, ..body() };
            let c = b.sign(&[1; 32]).unwrap();
            let text = c.to_text();
            let parsed = Checkpoint::parse(&text).unwrap();
            assert_eq!(parsed, c);
            assert_eq!(parsed.to_text(), text);
            assert!(parsed.verify(&public_key_of(&[1; 32])));
            assert!(!parsed.verify(&public_key_of(&[2; 32])));
            assert_eq!(text.contains("\nfinal\n\n\u{2014} "), is_final);
        }
    }

    #[test]
    fn text_is_exactly_the_documented_layout() {
        let c = body().sign(&[1; 32]).unwrap();
        let text = c.to_text();
        let pk = public_key_of(&[1; 32]);
        let mut sig = key_id(&body().origin, &pk).to_vec();
        sig.extend_from_slice(&c.signature);
        let want = format!(
            "audit-logger/00112233445566778899aabbccddeeff\n1000\n{}\nepoch 3\ntime 1767225600000001\nnext {}\n\n\u{2014} audit-logger/00112233445566778899aabbccddeeff {}\n",
            B64.encode([7u8; 32]),
            B64.encode(public_key_of(&[9; 32])),
            B64.encode(&sig)
        );
        assert_eq!(text, want);
    }

    #[test]
    fn key_id_follows_c2sp() {
        // SHA-256(name || 0x0A || 0x01 || key), first four bytes, computed by hand.
        let pk = [0x11u8; 32];
        let mut input = b"example.com/log".to_vec();
        input.push(0x0a);
        input.push(0x01);
        input.extend_from_slice(&pk);
        let d = Sha256::digest(&input);
        assert_eq!(key_id("example.com/log", &pk), [d[0], d[1], d[2], d[3]]);
    }

    #[test]
    fn any_change_to_the_body_breaks_the_signature() {
        let c = body().sign(&[1; 32]).unwrap();
        let pk = public_key_of(&[1; 32]);
        let text = c.to_text();
        let tampered = [
            text.replace("\n1000\n", "\n1001\n"),
            text.replace("epoch 3", "epoch 4"),
            text.replace("time 1767225600000001", "time 1767225600000002"),
            text.replace("\n\n\u{2014}", "\nfinal\n\n\u{2014}"),
        ];
        for t in tampered {
            let parsed = Checkpoint::parse(&t).unwrap();
            assert!(!parsed.verify(&pk), "{t}");
        }
        let mut bad = c.clone();
        bad.signature[10] ^= 1;
        assert!(!bad.verify(&pk));
        let mut bad = c.clone();
        bad.key_id[0] ^= 1;
        assert!(!bad.verify(&pk));
    }

    #[test]
    fn parser_is_strict() {
        let text = body().sign(&[1; 32]).unwrap().to_text();
        let root = B64.encode([7u8; 32]);
        let bad = [
            text.replace("\n1000\n", "\n01000\n"),
            text.replace("\n1000\n", "\n+1000\n"),
            text.replace("\n1000\n", "\n1000 \n"),
            text.replace("\n1000\n", "\n18446744073709551616\n"),
            text.replace(&root, &root[..root.len() - 1]),
            text.replace(&root, &B64.encode([7u8; 31])),
            text.replace("epoch 3", "epoch  3"),
            text.replace("epoch 3", "Epoch 3"),
            text.replace("epoch 3", "epoch 03"),
            text.replace("time ", "time -"),
            text.replace("next ", "next  "),
            text.replace("\n\n\u{2014}", "\nfinal\nfinal\n\n\u{2014}"),
            text.replace("\n\n\u{2014}", "\nextra\n\n\u{2014}"),
            text.replace("\u{2014} ", "- "),
            text.replace("\u{2014} audit-logger/", "\u{2014} other/"),
            text.replace("\n\n", "\n"),
            format!("{text}\u{2014} second {}\n", B64.encode([0u8; 68])),
            format!("{text}trailing"),
            text.trim_end().to_owned(),
            text.replace("audit-logger/0011", "audit logger/0011"),
            text.replace("audit-logger/0011", "audit-logger/\t0011"),
            text.replace('\n', "\r\n"),
            String::new(),
        ];
        for t in bad {
            assert!(Checkpoint::parse(&t).is_err(), "accepted {t:?}");
        }
    }

    #[test]
    fn origins_are_checked_when_signing() {
        for origin in ["", "a b", "a+b", "a\nb"] {
            let b = CheckpointBody {
                origin: origin.into(),
                ..body()
            };
            assert!(b.sign(&[1; 32]).is_err(), "{origin:?}");
        }
        let long = "x".repeat(MAX_ORIGIN_LEN + 1);
        assert!(check_origin(&long).is_err());
        assert!(check_origin(&long[1..]).is_ok());
    }

    #[test]
    fn public_keys_round_trip_as_base64() {
        let pk = public_key_of(&[5; 32]);
        assert_eq!(decode_public_key(&encode_public_key(&pk)).unwrap(), pk);
        assert!(decode_public_key("AAAA").is_err());
    }
}

//! The forward-secure key chain: one Ed25519 key per epoch, each checkpoint
//! signed by its epoch's key and carrying the next epoch's public key, each
//! secret erased (in memory and on disk) once the next one is durable.
//!
//! # Files
//!
//! [`KeyChain::create`] writes two files into a directory:
//!
//! - `seal.key` ([`STATE_FILE`]), the secret state, mode 0600, 104 bytes:
//!   an 8-byte header `"ALKEYS\0\x01"` then two 48-byte slots (A at offset 8,
//!   B at offset 56). A slot is the epoch (u64 little-endian), the epoch's
//!   32-byte Ed25519 secret (seed), and a check: the first 8 bytes of
//!   `SHA-256("audit-logger seal key slot\0" || epoch || secret)`. Epoch `e`
//!   lives in slot `e % 2`. A slot of zeros (or any slot whose check fails) is
//!   empty.
//! - `anchor.pub` ([`ANCHOR_FILE`]), the trust anchor for the operator: a
//!   comment line starting with `#`, then the epoch 0 public key in standard
//!   base64 on a line of its own. Copy it somewhere the machine's attacker
//!   cannot reach; verification trusts that key and nothing else.
//!
//! # Sealing in two steps
//!
//! [`KeyChain::prepare_seal`] makes the next epoch's key, writes it into the
//! inactive slot and syncs (`fdatasync`), then signs the checkpoint with the
//! current key. The caller writes the checkpoint durably, then calls
//! [`KeyChain::commit_seal`], which overwrites the old slot with zeros, syncs,
//! and drops the old key (wiped in memory). So a crash leaves either the old
//! slot alone, both (prepared, not committed), or the new slot alone; a used
//! secret never survives on disk once the next one and its checkpoint are
//! durable. [`KeyChain::seal`] does both steps at once, for callers that can
//! lose no checkpoint between them.
//!
//! After a crash, [`KeyChain::open`] reports a prepared key
//! ([`KeyChain::prepared_public_key`]): if the journal holds the checkpoint of
//! epoch [`KeyChain::epoch`] whose `next` key is that key, commit; otherwise
//! prepare again (the same next key is reused) and write the checkpoint.
//!
//! Overwriting a block does not guarantee the old bytes are gone from the
//! device: SSDs remap writes, and copy-on-write or journaling filesystems
//! (btrfs, ZFS, ext4 with `data=journal`) may keep old copies. The erasure is
//! as good as the storage below it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{FileExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::checkpoint::{encode_public_key, Checkpoint, CheckpointBody, PublicKey};
use super::merkle::Hash;
use crate::core::{Error, ErrorKind, Result};

/// The name of the secret key state file inside the key directory.
pub const STATE_FILE: &str = "seal.key";
/// The name of the trust anchor file inside the key directory.
pub const ANCHOR_FILE: &str = "anchor.pub";

/// The first 8 bytes of the state file: a name and the format version (1).
pub const STATE_MAGIC: [u8; 8] = *b"ALKEYS\x00\x01";
/// The size of one key slot in bytes.
pub const SLOT_LEN: usize = 48;
/// The size of the state file in bytes.
pub const STATE_LEN: usize = 8 + 2 * SLOT_LEN;

const SLOT_DOMAIN: &[u8] = b"audit-logger seal key slot\0";

/// The first line of `anchor.pub`.
pub const ANCHOR_COMMENT: &str = "# audit-logger seal trust anchor: the epoch 0 Ed25519 public key (base64). Keep a copy off this machine; verification trusts only this key.";

fn io_error(path: &Path, what: &str, e: io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{what} {}: {e}", path.display()))
}

fn slot_offset(epoch: u64) -> u64 {
    8 + (epoch % 2) * SLOT_LEN as u64
}

fn slot_check(epoch: u64, secret: &[u8; 32]) -> [u8; 8] {
    let mut h = Sha256::new();
    h.update(SLOT_DOMAIN);
    h.update(epoch.to_le_bytes());
    h.update(secret);
    let d = h.finalize();
    d[..8].try_into().expect("8 bytes")
}

fn encode_slot(epoch: u64, key: &SigningKey) -> Zeroizing<[u8; SLOT_LEN]> {
    let secret = Zeroizing::new(key.to_bytes());
    let mut slot = Zeroizing::new([0u8; SLOT_LEN]);
    slot[..8].copy_from_slice(&epoch.to_le_bytes());
    slot[8..40].copy_from_slice(&secret[..]);
    slot[40..].copy_from_slice(&slot_check(epoch, &secret));
    slot
}

/// A valid slot's epoch and key, or `None` for an empty or damaged slot.
fn decode_slot(slot: &[u8]) -> Option<(u64, SigningKey)> {
    let epoch = u64::from_le_bytes(slot[..8].try_into().ok()?);
    let secret = Zeroizing::new(<[u8; 32]>::try_from(&slot[8..40]).ok()?);
    (slot[40..48] == slot_check(epoch, &secret)).then(|| (epoch, SigningKey::from_bytes(&secret)))
}

fn fresh_key() -> Result<SigningKey> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(&mut seed[..]).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("no randomness from the operating system for a new key: {e}"),
        )
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, "cannot sync directory", e))
}

/// The text of `anchor.pub` for a public key.
pub fn anchor_text(key: &PublicKey) -> String {
    format!("{ANCHOR_COMMENT}\n{}\n", encode_public_key(key))
}

/// Reads an anchor: blank lines and lines starting with `#` are ignored, and
/// exactly one line must remain, the base64 public key. A bare base64 key
/// (as given on a command line) is accepted too.
pub fn parse_anchor(text: &str) -> Result<PublicKey> {
    let mut keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    match (keys.next(), keys.next()) {
        (Some(k), None) => super::checkpoint::decode_public_key(k),
        (None, _) => Err(Error::new(
            ErrorKind::InvalidDocument,
            "the anchor holds no public key line",
        )),
        (Some(_), Some(_)) => Err(Error::new(
            ErrorKind::InvalidDocument,
            "the anchor holds more than one public key line",
        )),
    }
}

/// Reads an anchor file (see [`parse_anchor`]).
pub fn read_anchor(path: &Path) -> Result<PublicKey> {
    let text = fs::read_to_string(path).map_err(|e| io_error(path, "cannot read anchor", e))?;
    parse_anchor(&text).map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e)))
}

fn write_anchor(dir: &Path, key: &PublicKey) -> Result<()> {
    let path = dir.join(ANCHOR_FILE);
    let tmp = dir.join(format!("{ANCHOR_FILE}.tmp"));
    let write = || -> io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(anchor_text(key).as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, &path)
    };
    write().map_err(|e| io_error(&path, "cannot write anchor", e))?;
    sync_dir(dir)
}

/// The signing side of the seal: the current epoch's secret key, kept in
/// `seal.key`, and the next epoch's key while a seal is prepared.
///
/// Keys are wiped from memory when dropped (`ed25519-dalek`'s `zeroize`).
pub struct KeyChain {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    epoch: u64,
    current: SigningKey,
    prepared: Option<SigningKey>,
}

impl std::fmt::Debug for KeyChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyChain")
            .field("path", &self.path)
            .field("epoch", &self.epoch)
            .field("prepared", &self.prepared.is_some())
            .finish_non_exhaustive()
    }
}

impl KeyChain {
    /// Starts a new chain in `dir` (created if missing): a fresh epoch 0 key in
    /// `seal.key` (mode 0600; an existing one is an error, never overwritten)
    /// and its public key in `anchor.pub`. Returns the chain and that public
    /// key, the trust anchor.
    pub fn create(dir: &Path) -> Result<(KeyChain, PublicKey)> {
        fs::create_dir_all(dir).map_err(|e| io_error(dir, "cannot create key directory", e))?;
        let path = dir.join(STATE_FILE);
        let key = fresh_key()?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io_error(&path, "cannot create key state", e))?;
        let mut image = Zeroizing::new([0u8; STATE_LEN]);
        image[..8].copy_from_slice(&STATE_MAGIC);
        image[8..8 + SLOT_LEN].copy_from_slice(&encode_slot(0, &key)[..]);
        file.write_all(&image[..])
            .and_then(|_| file.sync_all())
            .map_err(|e| io_error(&path, "cannot write key state", e))?;
        sync_dir(dir)?;
        let anchor = key.verifying_key().to_bytes();
        write_anchor(dir, &anchor)?;
        Ok((
            KeyChain {
                dir: dir.to_owned(),
                path,
                file,
                epoch: 0,
                current: key,
                prepared: None,
            },
            anchor,
        ))
    }

    /// Resumes the chain kept in `dir`. Fails when `seal.key` is missing,
    /// readable by group or others, of the wrong size or version, or holds no
    /// valid slot (or two that are not consecutive epochs).
    ///
    /// At epoch 0 a missing `anchor.pub` is written again (a crash during
    /// [`KeyChain::create`]); after that the anchor can no longer be derived.
    pub fn open(dir: &Path) -> Result<KeyChain> {
        let path = dir.join(STATE_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, "cannot open key state", e))?;
        let meta = file
            .metadata()
            .map_err(|e| io_error(&path, "cannot inspect key state", e))?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(Error::new(
                ErrorKind::Io,
                format!(
                    "{}: key state is readable or writable by others (mode {:o}); it must be 0600",
                    path.display(),
                    mode & 0o777
                ),
            ));
        }
        let mut image = Zeroizing::new(Vec::with_capacity(STATE_LEN + 1));
        file.read_to_end(&mut image)
            .map_err(|e| io_error(&path, "cannot read key state", e))?;
        let corrupt = |why: String| {
            Error::new(
                ErrorKind::InvalidDocument,
                format!("{}: {why}", path.display()),
            )
        };
        if image.len() != STATE_LEN {
            return Err(corrupt(format!(
                "key state is {} bytes, not {STATE_LEN}",
                image.len()
            )));
        }
        if image[..6] != STATE_MAGIC[..6] {
            return Err(corrupt("not an audit-logger key state file".into()));
        }
        if image[6..8] != STATE_MAGIC[6..8] {
            return Err(corrupt(format!(
                "key state format version {} is not supported (this build reads {})",
                image[7], STATE_MAGIC[7]
            )));
        }
        let slots: Vec<(u64, SigningKey)> = [8, 8 + SLOT_LEN]
            .iter()
            .filter_map(|&at| decode_slot(&image[at..at + SLOT_LEN]))
            .collect();
        let (epoch, current, prepared) = match <[_; 2]>::try_from(slots) {
            Ok([(ea, ka), (eb, kb)]) => {
                if ea.checked_add(1) == Some(eb) {
                    (ea, ka, Some(kb))
                } else if eb.checked_add(1) == Some(ea) {
                    (eb, kb, Some(ka))
                } else {
                    return Err(corrupt(format!(
                        "key state holds epochs {ea} and {eb}, which are not consecutive"
                    )));
                }
            }
            Err(slots) => match slots.into_iter().next() {
                Some((e, k)) => (e, k, None),
                None => {
                    return Err(corrupt(
                        "key state holds no valid key slot (lost or damaged)".into(),
                    ))
                }
            },
        };
        if epoch == 0 && !dir.join(ANCHOR_FILE).exists() {
            write_anchor(dir, &current.verifying_key().to_bytes())?;
        }
        Ok(KeyChain {
            dir: dir.to_owned(),
            path,
            file,
            epoch,
            current,
            prepared,
        })
    }

    /// The epoch whose key signs the next checkpoint.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The current epoch's public key.
    pub fn public_key(&self) -> PublicKey {
        self.current.verifying_key().to_bytes()
    }

    /// The next epoch's public key when a seal is prepared but not committed
    /// (also after reopening following a crash between the two steps).
    pub fn prepared_public_key(&self) -> Option<PublicKey> {
        self.prepared.as_ref().map(|k| k.verifying_key().to_bytes())
    }

    /// The directory holding `seal.key` and `anchor.pub`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Step one of a seal: makes the next epoch's key durable in the inactive
    /// slot (reusing an already prepared one) and returns the checkpoint of
    /// `size` leaves with `root`, signed by the current epoch's key and
    /// carrying the next public key. Nothing is erased yet: write the
    /// checkpoint durably, then call [`KeyChain::commit_seal`].
    pub fn prepare_seal(
        &mut self,
        origin: &str,
        size: u64,
        root: &Hash,
        time: u64,
        is_final: bool,
    ) -> Result<Checkpoint> {
        let next_epoch = self.epoch.checked_add(1).ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument, "the epoch counter is exhausted")
        })?;
        if self.prepared.is_none() {
            let next = fresh_key()?;
            let slot = encode_slot(next_epoch, &next);
            self.file
                .write_all_at(&slot[..], slot_offset(next_epoch))
                .and_then(|_| self.file.sync_data())
                .map_err(|e| io_error(&self.path, "cannot write key state", e))?;
            self.prepared = Some(next);
        }
        let next_key = self.prepared_public_key().expect("prepared");
        let body = CheckpointBody {
            origin: origin.to_owned(),
            size,
            root: *root,
            epoch: self.epoch,
            time,
            next_key,
            is_final,
        };
        let secret = Zeroizing::new(self.current.to_bytes());
        body.sign(&secret)
    }

    /// Step two of a seal: overwrites the used key's slot with zeros, syncs,
    /// wipes the used key from memory and makes the prepared key current.
    /// Fails when no seal is prepared.
    pub fn commit_seal(&mut self) -> Result<()> {
        if self.prepared.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "no seal is prepared: call prepare_seal first",
            ));
        }
        self.file
            .write_all_at(&[0u8; SLOT_LEN], slot_offset(self.epoch))
            .and_then(|_| self.file.sync_data())
            .map_err(|e| io_error(&self.path, "cannot erase the used key", e))?;
        // Dropping the old SigningKey wipes it (ZeroizeOnDrop).
        self.current = self.prepared.take().expect("prepared");
        self.epoch += 1;
        Ok(())
    }

    /// Seals in one step ([`KeyChain::prepare_seal`] then
    /// [`KeyChain::commit_seal`]): the used key is gone when this returns, so a
    /// checkpoint lost afterwards (a crash before it is written) leaves its
    /// epoch without a checkpoint for good. The journal should use the two
    /// steps around its own write.
    pub fn seal(&mut self, origin: &str, size: u64, root: &Hash, time: u64) -> Result<Checkpoint> {
        let c = self.prepare_seal(origin, size, root, time, false)?;
        self.commit_seal()?;
        Ok(c)
    }

    /// As [`KeyChain::seal`], for the checkpoint written when the journal
    /// closes: it carries the `final` line.
    pub fn seal_final(
        &mut self,
        origin: &str,
        size: u64,
        root: &Hash,
        time: u64,
    ) -> Result<Checkpoint> {
        let c = self.prepare_seal(origin, size, root, time, true)?;
        self.commit_seal()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::merkle::EMPTY_ROOT;

    fn tempdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn create_writes_anchor_and_private_state() {
        let d = tempdir();
        let (kc, anchor) = KeyChain::create(d.path()).unwrap();
        assert_eq!(kc.epoch(), 0);
        assert_eq!(kc.public_key(), anchor);
        assert_eq!(read_anchor(&d.path().join(ANCHOR_FILE)).unwrap(), anchor);
        let meta = fs::metadata(d.path().join(STATE_FILE)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(meta.len(), STATE_LEN as u64);
        let err = KeyChain::create(d.path()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.message().contains("seal.key"), "{}", err.message());
    }

    #[test]
    fn seal_chains_keys_and_advances() {
        let d = tempdir();
        let (mut kc, anchor) = KeyChain::create(d.path()).unwrap();
        let mut expected = anchor;
        for e in 0..4u64 {
            let c = kc.seal("o", e, &EMPTY_ROOT, 100 + e).unwrap();
            assert_eq!(c.body.epoch, e);
            assert!(c.verify(&expected));
            expected = c.body.next_key;
            assert_eq!(kc.public_key(), expected);
            assert_eq!(kc.epoch(), e + 1);
        }
        let reopened = KeyChain::open(d.path()).unwrap();
        assert_eq!(reopened.epoch(), 4);
        assert_eq!(reopened.public_key(), expected);
    }

    #[test]
    fn unprepared_commit_is_an_error() {
        let d = tempdir();
        let (mut kc, _) = KeyChain::create(d.path()).unwrap();
        assert_eq!(
            kc.commit_seal().unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn anchor_parsing() {
        let pk = [3u8; 32];
        assert_eq!(parse_anchor(&anchor_text(&pk)).unwrap(), pk);
        assert_eq!(parse_anchor(&encode_public_key(&pk)).unwrap(), pk);
        assert!(parse_anchor("# nothing\n").is_err());
        assert!(parse_anchor(&format!("{0}\n{0}\n", encode_public_key(&pk))).is_err());
    }
}

//! The vault: the only place a running ceremony keeps secrets.
//!
//! Invariants (ARCHITECTURE.md, invariant 1):
//! - Every value here is a zeroizing type from [`crate::slip39`]; dropping the vault, or
//!   removing an entry, wipes it. The engine drops the vault at the end of every run,
//!   completed, aborted or failed.
//! - `Debug` shows names only, never contents, and nothing here is `Serialize`.
//! - Steps reach a secret by the name the script gave it; resolution has checked that
//!   an earlier step defines it, so a missing entry at run time is a wiped secret.

use std::collections::BTreeMap;

use crate::script::types::RoleId;
use crate::slip39::{Collector, MasterSecret, Share};

/// One share with the role that holds it.
pub struct HeldShare {
    /// The holder.
    pub holder: RoleId,
    /// The share.
    pub share: Share,
}

/// The shares of one split, by group.
pub struct ShareSet {
    /// The secret it was split from.
    pub secret: String,
    /// Whether a passphrase protects it.
    pub passphrase: bool,
    /// Groups of held shares, in group order.
    pub groups: Vec<Vec<HeldShare>>,
}

/// The secrets of a running ceremony, by name.
#[derive(Default)]
pub struct Vault {
    secrets: BTreeMap<String, MasterSecret>,
    share_sets: BTreeMap<String, ShareSet>,
    collections: BTreeMap<String, Collector>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .field("share_sets", &self.share_sets.keys().collect::<Vec<_>>())
            .field("collections", &self.collections.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Vault {
    /// Stores a secret under `name`, wiping any earlier one.
    pub fn put_secret(&mut self, name: &str, secret: MasterSecret) {
        self.secrets.insert(name.to_string(), secret);
    }

    /// The secret called `name`, if it has not been wiped.
    pub fn secret(&self, name: &str) -> Option<&MasterSecret> {
        self.secrets.get(name)
    }

    /// Stores a share set.
    pub fn put_share_set(&mut self, name: &str, set: ShareSet) {
        self.share_sets.insert(name.to_string(), set);
    }

    /// The share set called `name`.
    pub fn share_set(&self, name: &str) -> Option<&ShareSet> {
        self.share_sets.get(name)
    }

    /// The collection of entered shares called `name`, created empty on first use.
    pub fn collection(&mut self, name: &str) -> &mut Collector {
        self.collections.entry(name.to_string()).or_default()
    }

    /// Takes a collection out (to recover from it).
    pub fn take_collection(&mut self, name: &str) -> Option<Collector> {
        self.collections.remove(name)
    }

    /// Wipes whatever is called `name`; returns whether anything was there.
    pub fn wipe(&mut self, name: &str) -> bool {
        let a = self.secrets.remove(name).is_some();
        let b = self.share_sets.remove(name).is_some();
        let c = self.collections.remove(name).is_some();
        a || b || c
    }

    /// Names of everything held, for the record of a final wipe.
    pub fn names(&self) -> Vec<String> {
        self.secrets
            .keys()
            .chain(self.share_sets.keys())
            .chain(self.collections.keys())
            .cloned()
            .collect()
    }

    /// Wipes everything.
    pub fn wipe_all(&mut self) {
        self.secrets.clear();
        self.share_sets.clear();
        self.collections.clear();
    }
}

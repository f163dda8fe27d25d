//! `--shard K/N`: a deterministic part of a batch, so N machines split one briefs file.
//! A brief belongs to shard `hash(slug) mod N`, so adding or reordering rows moves no other
//! brief between shards.
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = Error;
    fn from_str(text: &str) -> Result<Shard> {
        let bad = || {
            Error::Usage(format!(
                "--shard `{text}`: expected K/N with 1 <= K <= N, e.g. 2/4"
            ))
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether the brief with `slug` belongs to this shard.
    pub fn contains(&self, slug: &str) -> bool {
        let digest = Sha256::digest(slug.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_slugs() {
        let slugs: Vec<String> = (0..200).map(|i| format!("brief-{i}")).collect();
        let shards: Vec<Shard> = (1..=3)
            .map(|k| format!("{k}/3").parse().expect("shard"))
            .collect();
        let mut sizes = [0usize; 3];
        for slug in &slugs {
            let owners: Vec<usize> = (0..3).filter(|&i| shards[i].contains(slug)).collect();
            assert_eq!(owners.len(), 1, "{slug}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 40), "{sizes:?}");
    }

    #[test]
    fn bad_shards_are_usage_errors() {
        for bad in ["0/3", "4/3", "1/0", "x", "1/", "1-2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(
            "1/1".parse::<Shard>().ok(),
            Some(Shard { index: 1, count: 1 })
        );
    }
}

//! Code-backed rules for SEO, structured data, E-E-A-T and citations, one file each.
mod seo;
mod support;
#[cfg(test)]
mod testutil;

use super::Rule;

/// Every code-backed rule of the seo, structured-data, eeat and citations packs.
pub fn all() -> Vec<Box<dyn Rule>> {
    let mut rules = seo::rules();
    rules
}

//! Code-backed rules for SEO, structured data, E-E-A-T and citations, one file each,
//! grouped by pack.
mod citations;
mod eeat;
mod seo;
mod structured_data;
pub mod support;
#[cfg(test)]
mod testutil;

use super::Rule;

/// Every code-backed rule of the seo, structured-data, eeat and citations packs.
pub fn all() -> Vec<Box<dyn Rule>> {
    let mut rules = seo::rules();
    rules.extend(structured_data::rules());
    rules.extend(eeat::rules());
    rules.extend(citations::rules());
    rules
}

#[cfg(test)]
mod tests;

//! Citations pack: uncited claims, marker/reference consistency, URLs and source domains.
mod domain_policy;
mod duplicate_reference;
mod reference_url;
mod uncited_claim;
mod unresolved_citation;
mod unused_reference;

use crate::rules::Rule;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(uncited_claim::UncitedClaim),
        Box::new(unresolved_citation::UnresolvedCitation),
        Box::new(unused_reference::UnusedReference),
        Box::new(reference_url::ReferenceUrlMissing),
        Box::new(domain_policy::CitedDomainNotAllowed),
        Box::new(duplicate_reference::DuplicateReference),
    ]
}

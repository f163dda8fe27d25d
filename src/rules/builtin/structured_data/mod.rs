//! Structured-data pack: JSON-LD validity, Article properties, authors and dates.
mod article_required;
mod author_invalid;
mod date_format;
mod date_in_future;
mod json_ld_invalid;
mod modified_before_published;

use crate::rules::Rule;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(json_ld_invalid::JsonLdInvalid),
        Box::new(article_required::ArticleMissingProperties),
        Box::new(author_invalid::AuthorInvalid),
        Box::new(date_format::DateFormat),
        Box::new(modified_before_published::ModifiedBeforePublished),
        Box::new(date_in_future::DateInFuture),
    ]
}

//! SD003: article authors are Person or Organization nodes with a name and a profile URL.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::jsonld::{self, as_node};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct AuthorInvalid;

const META: RuleMeta = RuleMeta {
    code: "SD003",
    name: "author-invalid",
    pack: "structured-data",
    default_severity: Severity::Warning,
    summary:
        "An article's JSON-LD author is not a Person/Organization with a name and url or sameAs.",
    doc: r#"## What it does
For every article node, checks each `author` (inline objects, arrays and `@id` references
resolved within the page): it must be typed `Person` or `Organization`, have a `name`, and
have a `url` or `sameAs` that identifies the author.

## Why is this bad?
A bare string or an anonymous object does not tell search engines who the author is.
A typed author with a profile URL connects the article to the author's other work, a key
signal of experience and expertise.

## Example
```json
"author": "Jane Doe"
```

## Use instead
```json
"author": {"@type": "Person", "name": "Jane Doe",
           "url": "https://example.com/authors/jane-doe",
           "sameAs": ["https://www.linkedin.com/in/janedoe"]}
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for AuthorInvalid {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let all = jsonld::nodes(doc);
        for node in all.iter().filter(|n| n.is_article()) {
            let Some(authors) = node.get("author") else {
                continue; // SD002 reports a missing author.
            };
            for author in jsonld::linked(authors, &all) {
                let problem = match author {
                    Err(text) => format!(
                        "author \"{}\" is a bare string; use a Person object",
                        text.trim()
                    ),
                    Ok(object) => {
                        let author = as_node(object, node.span);
                        let name = author.str("name").map(str::trim).unwrap_or("");
                        let label = if name.is_empty() { "author" } else { name };
                        if !author.has_type(&["Person", "Organization"])
                            && !author.is_organization()
                        {
                            format!("{label}: author @type must be Person or Organization")
                        } else if name.is_empty() {
                            "author has no name".to_owned()
                        } else if author.get("url").is_none() && author.get("sameAs").is_none() {
                            format!("author \"{name}\" has neither url nor sameAs")
                        } else {
                            continue;
                        }
                    }
                };
                out.push(ctx.finding(META.code, problem, node.span));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::AuthorInvalid);
    }
}

//! SEO008: images have descriptive alt text.
use crate::doc::{Document, Format};
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use regex::Regex;
use std::sync::LazyLock;

pub struct ImageAltMissing;

const META: RuleMeta = RuleMeta {
    code: "SEO008",
    name: "image-alt-missing",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "An image has no alt text, or alt text that is only a file name.",
    doc: r#"## What it does
Reports images without an `alt` attribute (`![](photo.jpg)` or `<img src>` with no `alt`)
and images whose alt text is just a file name. In HTML an explicitly empty `alt=""` marks
a decorative image and is accepted unless `allow_empty` is false; Markdown has no way to
tell decorative from forgotten, so an empty `![](...)` is reported.

## Why is this bad?
Alt text is what screen readers say and what image search indexes. Missing alt text makes
the image invisible to both.

## Example
```markdown
![](burr-grinder.jpg)
![IMG_0412.jpg](burr-grinder.jpg)
```

## Use instead
```markdown
![Conical burrs of a hand grinder, seen from above](burr-grinder.jpg)
```

## Options
- `allow_empty` (default `true`): accept `alt=""` for decorative images in HTML."#,
    options: &[RuleOption {
        name: "allow_empty",
        default: "true",
        doc: "Accept an empty alt for decorative images.",
    }],
    fixable: false,
};

static FILE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[\w\-. ]+\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?|heic)$")
        .expect("valid regex")
});

impl Rule for ImageAltMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        // Only HTML can say "decorative" on purpose (`alt=""`); `![](x)` is a forgotten alt.
        let allow_empty = ctx.opt_bool("allow_empty", true) && doc.format == Format::Html;
        for image in &doc.images {
            let message = match image.alt.as_deref().map(str::trim) {
                None => format!("image `{}` has no alt text", image.src),
                Some("") if allow_empty => continue,
                Some("") => format!("image `{}` has no alt text", image.src),
                Some(alt) if FILE_NAME.is_match(alt) => {
                    format!(
                        "alt text of `{}` is a file name, not a description",
                        image.src
                    )
                }
                Some(_) => continue,
            };
            out.push(
                ctx.finding(META.code, message, image.span)
                    .with_help("describe what the image shows in a short phrase"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::builtin::testutil::check_source;
    #[test]
    fn empty_alt_is_decorative_in_html_unless_disallowed() {
        let page =
            "<html lang=\"en\"><body><p>Text</p><img src=\"line.svg\" alt=\"\"></body></html>";
        let rule = &super::ImageAltMissing;
        assert!(check_source(rule, "a.html", page, "", "").is_empty());
        assert_eq!(
            check_source(rule, "a.html", page, "", "allow_empty = false").len(),
            1
        );
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::ImageAltMissing);
    }
}

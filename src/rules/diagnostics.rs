//! Parser diagnostics (`Document::diagnostics`) as rules, so they have docs, fixtures, and obey
//! configuration and suppressions like every other finding.
use super::{Rule, RuleContext, RuleMeta};
use crate::doc::Document;
use crate::finding::{Finding, Severity};

/// Reports the parser's diagnostics of one code.
pub struct ParseDiagnostic {
    meta: RuleMeta,
}

pub const BROKEN_FRONT_MATTER: RuleMeta = RuleMeta {
    code: "PARSE001",
    name: "broken-front-matter",
    pack: "parse",
    default_severity: Severity::Error,
    summary: "Front matter (YAML `---` or TOML `+++`) does not parse",
    doc: "## What it does
Reports front matter that is not valid YAML (between `---` fences) or TOML (between `+++`
fences). The message names the parser error and its line.

## Why is this bad?
Static-site generators drop or misread every field of broken front matter: the page loses its
title, description, date and author, and the rules that read them judge an empty page.

## Example
```markdown
---
title: Feeding a starter: a guide
tags: [bread
---
```

## Use instead
```markdown
---
title: \"Feeding a starter: a guide\"
tags: [bread]
---
```

## Options
None.
",
    options: &[],
    fixable: false,
};

impl ParseDiagnostic {
    pub fn new(meta: RuleMeta) -> Self {
        ParseDiagnostic { meta }
    }
}

impl Rule for ParseDiagnostic {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        for d in doc.diagnostics.iter().filter(|d| d.code == self.meta.code) {
            let mut f = d.clone();
            f.severity = ctx.severity;
            out.push(f);
        }
    }
}

pub fn all() -> Vec<Box<dyn Rule>> {
    vec![Box::new(ParseDiagnostic::new(BROKEN_FRONT_MATTER))]
}

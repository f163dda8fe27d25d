//! `FACT…` rule metadata. The findings come from [`super::Verifier`], which needs fetched sources;
//! the registry entries make the codes known to configuration, `rules list|explain`, the docs and
//! suppressions, and their `check` adds nothing on its own (a plain document has no sources).
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub const UNSUPPORTED_CLAIM: RuleMeta = RuleMeta {
    code: "FACT001",
    name: "unsupported-claim",
    pack: "facts",
    default_severity: Severity::Warning,
    summary: "A cited claim is not supported by the source it cites",
    doc: "## What it does
Scores the claim against the passages of the source it cites (lexical overlap of its content words, blended with MiniLM similarity when an embedding model is given). Below `min_support`, or when the claim states an absolute (`all`, `always`, `proven`) the evidence does not, or a number or date the evidence does not state at all, the claim is unsupported.

## Why is this bad?
A citation promises the reader that the source says this. Small models cite a real source and then write something it does not say.

## Example
```markdown
Composting kills every pathogen in the soil [1].
```

## Use instead
```markdown
Hot composting above 55 °C kills most common pathogens [1].
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const CHANGED_NUMBER: RuleMeta = RuleMeta {
    code: "FACT002",
    name: "changed-number",
    pack: "facts",
    default_severity: Severity::Error,
    summary: "A number or date differs from the one in the cited source",
    doc: "## What it does
Normalises numbers (`1,200`, `1.2k`, `1.2 million`, `12%`, `12 percent`, currencies, ranges) and dates (years, `March 3rd, 2021`, `3 March 2021`, ISO dates) in the claim and the evidence passage, and reports a claim whose number or date is not in the passage while the passage states a different one of the same kind. Rounding is allowed: `1.2 million` matches `1,214,000`.

## Why is this bad?
Invented or mistyped figures are the most common and most damaging error of generated text, and similarity scores cannot see them: `12%` and `21%` embed almost identically.

## Example
```markdown
The city recycled 41% of its waste in 2021 [1].  <!-- the source says 34% -->
```

## Use instead
```markdown
The city recycled 34% of its waste in 2021 [1].
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const QUOTE_NOT_IN_SOURCE: RuleMeta = RuleMeta {
    code: "FACT003",
    name: "quote-not-in-source",
    pack: "facts",
    default_severity: Severity::Error,
    summary: "A quotation does not appear verbatim in the cited source",
    doc: "## What it does
Looks for every quoted passage of the claim (straight or curly quotes, two words or more) in the whole text of the cited source, ignoring case, punctuation, quote style and whitespace.

## Why is this bad?
A made-up or reworded quote put in someone's mouth misleads readers and can be defamatory.

## Example
```markdown
“Soil is the stomach of the garden,” said the author [1].
```

## Use instead
```markdown
Quote the source word for word, or paraphrase without quotation marks.
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const ENTITY_NOT_IN_SOURCE: RuleMeta = RuleMeta {
    code: "FACT004",
    name: "entity-not-in-source",
    pack: "facts",
    default_severity: Severity::Error,
    summary: "A name in the claim does not appear in the cited evidence",
    doc: "## What it does
Finds named entities in the claim (runs of capitalised words: people, organisations, places, products) and reports those the evidence passage does not mention.

## Why is this bad?
Small models swap names: the right finding attributed to the wrong researcher, city or company.

## Example
```markdown
Dr. Alan Pierce led the 2019 trial [1].  <!-- the source names Dr. Ana Pires -->
```

## Use instead
```markdown
Dr. Ana Pires led the 2019 trial [1].
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const FLIPPED_CLAIM: RuleMeta = RuleMeta {
    code: "FACT005",
    name: "flipped-claim",
    pack: "facts",
    default_severity: Severity::Error,
    summary: "The claim negates, reverses or swaps what the cited source says",
    doc: "## What it does
Compares the claim with the evidence sentence: a negation (`not`, `never`, `no`) on one side only, a comparison or trend word against its opposite (`more`/`less`, `increase`/`decrease`, `rose`/`fell`, `before`/`after`), or two names in reversed roles.

## Why is this bad?
A flipped claim keeps every word of the source and so looks well supported, while saying the opposite.

## Example
```markdown
Emissions rose after the ban [1].  <!-- the source says they fell -->
```

## Use instead
```markdown
Emissions fell after the ban [1].
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const UNCITED_CLAIM: RuleMeta = RuleMeta {
    code: "FACT006",
    name: "uncited-claim",
    pack: "facts",
    default_severity: Severity::Warning,
    summary: "A factual claim cites no source",
    doc: "## What it does
Reports sentences with statistics, quantities, money, dates or quotations that carry no citation marker or link. They are still checked against every source of the article; when one supports the claim, the help names the reference to cite.

## Why is this bad?
Readers and search engines judge trust by whether facts can be traced to a source.

## Example
```markdown
Worm bins process 2 kg of scraps a week.
```

## Use instead
```markdown
Worm bins process 2 kg of scraps a week [3].
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const MISCITATION: RuleMeta = RuleMeta {
    code: "FACT007",
    name: "miscitation",
    pack: "facts",
    default_severity: Severity::Error,
    summary: "The claim is supported by a different source than the one it cites",
    doc: "## What it does
When the cited source does not support a claim but another source of the article does, reports a mis-citation and suggests the right reference.

## Why is this bad?
A wrong citation sends the reader to a page that does not say what the article claims.

## Example
```markdown
The trial enrolled 240 patients [1].  <!-- that is in source 2 -->
```

## Use instead
```markdown
The trial enrolled 240 patients [2].
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const SOURCE_UNREACHABLE: RuleMeta = RuleMeta {
    code: "FACT008",
    name: "source-unreachable",
    pack: "facts",
    default_severity: Severity::Error,
    summary: "A cited source could not be fetched",
    doc: "## What it does
Reports each reference whose source could not be fetched or read (network error, HTTP error, blocked address, robots.txt, missing file); the claims citing it cannot be verified.

## Why is this bad?
A dead or blocked source cannot back any claim, and readers cannot follow it either.

## Example
```markdown
1. https://example.org/removed-page
```

## Use instead
```markdown
Replace the reference with a reachable copy (an archive or the publisher's current URL).
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const NO_SOURCES: RuleMeta = RuleMeta {
    code: "FACT009",
    name: "no-sources",
    pack: "facts",
    default_severity: Severity::Error,
    summary: "The article has no sources to verify its claims against",
    doc: "## What it does
Reports an article that has no references list and was given no `--source`, so none of its claims can be verified.

## Why is this bad?
An article without sources cannot be fact-checked, and its claims cannot be traced.

## Example
```markdown
An article with statistics and no References section.
```

## Use instead
```markdown
Add a `## References` list with the sources of every claim, or pass `--source`.
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

pub const SOURCE_LANGUAGE: RuleMeta = RuleMeta {
    code: "FACT010",
    name: "source-language",
    pack: "facts",
    default_severity: Severity::Warning,
    summary: "A cited source is in a different language than the article",
    doc: "## What it does
Compares the language of the article (its `lang`, else a stop-word guess) with each source's (its `lang` attribute, else a guess) and reports sources in another language. Claims citing it are judged unsupported, as word matching cannot cross languages.

## Why is this bad?
Verification compares words; a source in another language cannot be checked automatically and needs a human reader.

## Example
```markdown
An English article citing a German-language report.
```

## Use instead
```markdown
Cite an English version of the source, or suppress this finding after checking the claims by hand.
```

## Options
None. `pressgate verify --min-support X` sets the support threshold; sources come from the references list or `--source`.
",
    options: &[],
    fixable: false,
};

/// Every FACT rule, in code order.
pub const ALL: &[RuleMeta] = &[
    UNSUPPORTED_CLAIM,
    CHANGED_NUMBER,
    QUOTE_NOT_IN_SOURCE,
    ENTITY_NOT_IN_SOURCE,
    FLIPPED_CLAIM,
    UNCITED_CLAIM,
    MISCITATION,
    SOURCE_UNREACHABLE,
    NO_SOURCES,
    SOURCE_LANGUAGE,
];

/// The metadata of `code`, when it is a FACT code.
pub fn meta(code: &str) -> Option<&'static RuleMeta> {
    ALL.iter().find(|m| m.code == code)
}

/// A registry entry for one FACT code.
pub struct FactRule {
    meta: &'static RuleMeta,
}

impl Rule for FactRule {
    fn meta(&self) -> &RuleMeta {
        self.meta
    }

    /// Nothing to do without sources: `pressgate verify` (and `generate`/`audit`) produce
    /// these findings through [`super::Verifier`].
    fn check(&self, _ctx: &RuleContext, _doc: &Document, _out: &mut Vec<Finding>) {}
}

/// Registry entries for every FACT code.
pub fn all() -> Vec<Box<dyn Rule>> {
    ALL.iter()
        .map(|meta| Box::new(FactRule { meta }) as Box<dyn Rule>)
        .collect()
}

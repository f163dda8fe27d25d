//! Runs the registered rules over documents, applying configuration and inline suppressions.
use super::{Rule, RuleContext};
use crate::config::Config;
use crate::doc::Document;
use crate::error::Result;
use crate::finding::Finding;

pub struct Engine {
    rules: Vec<Box<dyn Rule>>,
    config: Config,
}

impl Engine {
    /// Every rule the configuration enables, with its severity and options.
    pub fn from_config(config: &Config) -> Result<Engine> {
        Ok(Engine {
            rules: super::registry(),
            config: config.clone(),
        })
    }

    pub fn rules(&self) -> &[Box<dyn Rule>] {
        &self.rules
    }

    /// Findings for each document (same order as `docs`), each list sorted by span then code.
    /// Set-level rules (duplicate titles) see all `docs` together.
    pub fn check(&self, docs: &[Document]) -> Vec<Vec<Finding>> {
        let empty = toml::Table::new();
        let mut out: Vec<Vec<Finding>> = docs.iter().map(|d| d.diagnostics.clone()).collect();
        let refs: Vec<&Document> = docs.iter().collect();
        for rule in &self.rules {
            let ctx = RuleContext {
                severity: rule.meta().default_severity,
                options: &empty,
                settings: &self.config.settings,
            };
            for (doc, findings) in docs.iter().zip(out.iter_mut()) {
                rule.check(&ctx, doc, findings);
            }
            for (i, f) in rule.check_set(&ctx, &refs) {
                if let Some(list) = out.get_mut(i) {
                    list.push(f);
                }
            }
        }
        for list in &mut out {
            list.sort_by(|a, b| {
                a.span
                    .start
                    .cmp(&b.span.start)
                    .then_with(|| a.code.cmp(&b.code))
            });
        }
        out
    }
}

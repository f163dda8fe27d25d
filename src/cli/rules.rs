//! `pressgate rules list|explain`.
use crate::error::Result;

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// List every rule with its code, pack, default severity and summary.
    List,
    /// Print the documentation of one rule.
    Explain { code: String },
}

pub fn run(_cmd: RulesCommand) -> Result<i32> {
    Err(crate::Error::Usage("rules: not built yet".into()))
}

//! `pressgate check`.
use crate::error::Result;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files, directories (respecting .gitignore) or globs; `-` reads stdin.
    pub paths: Vec<String>,
}

pub fn run(_args: CheckArgs) -> Result<i32> {
    Err(crate::Error::Usage("check: not built yet".into()))
}

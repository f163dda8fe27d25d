//! `pressgate model import|list|info|run|install`.
use crate::error::Result;

#[derive(Debug, clap::Subcommand)]
pub enum ModelCommand {
    /// List installed models.
    List,
}

pub fn run(_cmd: ModelCommand) -> Result<i32> {
    Err(crate::Error::Usage("model: not built yet".into()))
}

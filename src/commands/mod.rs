//! One module per subcommand.

pub mod list;
pub mod profile;
pub mod start;
pub mod stop;

//! One module per subcommand.

pub mod clean;
pub mod completions;
pub mod doctor;
pub mod engines;
pub mod list;
pub mod logs;
pub mod man;
pub mod profile;
pub mod profile_import;
pub mod render;
pub mod start;
pub mod status;
pub mod stop;

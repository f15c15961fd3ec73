//! The two parts of a cluster, as files, scripts and the command line name them.

/// The controller or the engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Controller,
    Engines,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Controller => "controller",
            Role::Engines => "engines",
        }
    }

    /// The role rcluster's state file records as text.
    pub fn from_name(name: &str) -> Role {
        if name == "controller" {
            Role::Controller
        } else {
            Role::Engines
        }
    }
}

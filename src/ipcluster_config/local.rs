//! ipyparallel's local launchers (`LocalControllerLauncher`, `LocalEngineSetLauncher`): their
//! settings are the ones every launcher has (see [`super::cluster`]).

use super::Family;

pub(super) const FAMILY: Family = Family {
    launcher: Some("local"),
    names: &["local"],
    target: |_, _| None,
    finish: |_| {},
};

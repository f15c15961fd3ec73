//! The settings that belong to no launcher family: `Cluster` and the ipcluster/ipcontroller
//! apps (launcher choice, engine count, controller address), and the engine and controller
//! arguments every launcher class has.

use super::python::Py;
use super::{Family, Target, TomlValue};

pub(super) const FAMILY: Family = Family {
    launcher: None,
    names: &[],
    target,
    finish: |_| {},
};

fn target(class: &str, name: &str) -> Option<Target> {
    Some(match (class, name) {
        ("Cluster" | "IPClusterEngines" | "IPClusterStart", "engine_launcher_class") => {
            Target::Launcher("engines")
        }
        ("Cluster" | "IPClusterStart", "controller_launcher_class") => {
            Target::Launcher("controller")
        }
        ("Cluster", "controller_ip") | ("IPController" | "IPControllerApp", "ip") => {
            Target::Str("controller", "ip")
        }
        ("Cluster", "controller_location") | ("IPController" | "IPControllerApp", "location") => {
            Target::Str("controller", "location")
        }
        ("Cluster" | "IPClusterEngines" | "IPClusterStart", "n") => {
            Target::Other("engines", "n", engines_n)
        }
        (_, "engine_args") => Target::StrList("engines", "args"),
        (_, "controller_args") => Target::StrList("controller", "args"),
        _ => return None,
    })
}

fn engines_n(value: &Py) -> Result<TomlValue, String> {
    match value {
        Py::Int(n) if (1..=i64::from(u32::MAX)).contains(n) => Ok(TomlValue::Int(*n)),
        _ => Err("`[engines] n` must be a whole number of at least 1".into()),
    }
}

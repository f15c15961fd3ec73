//! `rcluster clean`: remove the files of clusters that are provably dead, and only those.

use anyhow::Result;

use crate::cli::{CleanArgs, GlobalArgs};
use crate::fsutil;
use crate::ids::display_id;
use crate::inventory::{Cluster, Health};
use crate::output::Printer;
use crate::profile::Profile;

pub fn run(global: &GlobalArgs, args: &CleanArgs, printer: Printer) -> Result<()> {
    let profiles = Profile::selected_or_all(global)?;
    let mut removed_clusters = 0;
    for profile in &profiles {
        for cluster in Cluster::all_in(profile)?
            .into_iter()
            .filter(|c| !c.is_only_starting())
        {
            let id = display_id(&cluster.cluster_id).to_string();
            let unreadable = cluster.file_error.is_some() && cluster.state.is_none();
            let health = cluster.health_with_jobs();
            let dead = health == Health::Dead && !unreadable;
            if !(dead || (unreadable && args.force)) {
                if unreadable {
                    printer.warn(format!(
                        "kept cluster `{id}` of profile `{}`: its files cannot be read, so nothing proves it dead (`--force` removes them)",
                        profile.label()
                    ));
                } else {
                    printer.verbose(format!("kept cluster `{id}`: {}", health.name()));
                }
                continue;
            }
            // Orphans of a controller or engine killed behind rcluster's back (schedulers,
            // nannies) still carry the cluster's environment: end them too.
            let orphans = crate::process::find_by_cluster_env(&profile.dir, &cluster.cluster_id);
            if !orphans.is_empty() {
                let outcome =
                    crate::process::terminate(&orphans, std::time::Duration::from_secs(2));
                printer.status(format!(
                    "ended {} orphaned processes of dead cluster `{id}`",
                    orphans.len() - outcome.survivors.len()
                ));
            }
            let mut removed = 0;
            for file in cluster.files(true) {
                if fsutil::remove_inside(&profile.dir, &file)? {
                    removed += 1;
                }
            }
            removed_clusters += 1;
            printer.status(format!(
                "removed {removed} files of dead cluster `{id}` in profile `{}`",
                profile.label()
            ));
        }
    }
    if removed_clusters == 0 {
        printer.status("nothing to clean");
    }
    Ok(())
}
